import { describe, expect, it } from 'vitest';
import { KeyedList, longestIncreasing, planOrder, type ListParent } from '../src/keyed';

/** A fake parent: an ordered array of nodes. */
class FakeNode {
  text = '';
  retired = false;
  constructor(readonly key: number) {}
}
class FakeParent implements ListParent<FakeNode> {
  children: FakeNode[] = [];
  insertBefore(n: FakeNode, ref: FakeNode | null) {
    const i = this.children.indexOf(n);
    if (i >= 0) this.children.splice(i, 1);
    const j = ref ? this.children.indexOf(ref) : -1;
    if (j < 0) this.children.push(n);
    else this.children.splice(j, 0, n);
  }
  removeChild(n: FakeNode) {
    this.children.splice(this.children.indexOf(n), 1);
  }
  keys() {
    return this.children.map((c) => c.key);
  }
}

interface Rec {
  id: number;
  v: string;
}

function list() {
  const parent = new FakeParent();
  let created = 0;
  const kl = new KeyedList<Rec, FakeNode>(parent, {
    create: (_r, k) => {
      created++;
      return new FakeNode(k);
    },
    update: (n, r) => {
      n.text = r.v;
      n.retired = false;
    },
    retire: (n) => (n.retired = true),
  });
  return { parent, kl, created: () => created };
}
const recs = (ids: number[], v = 'x') => ids.map((id) => ({ id, v: `${v}${id}` }));

describe('planOrder', () => {
  it('follows the wanted order when not held', () => {
    expect(planOrder([1, 2, 3], [3, 1, 4], false)).toEqual({ order: [3, 1, 4], added: [4], removed: [2], retired: [] });
  });
  it('keeps every position when held: gone ones retire in place, new ones go last', () => {
    expect(planOrder([1, 2, 3], [4, 3, 1], true)).toEqual({ order: [1, 2, 3, 4], added: [4], removed: [], retired: [2] });
  });
});

describe('longestIncreasing', () => {
  it('finds one longest increasing run', () => {
    expect(longestIncreasing([])).toEqual([]);
    expect(longestIncreasing([0, 1, 2])).toEqual([0, 1, 2]);
    expect(longestIncreasing([1, 2, 3, 0]).length).toBe(3);
    const seq = [3, 0, 1, 4, 2, 5];
    const lis = longestIncreasing(seq);
    expect(lis.length).toBe(4);
    for (let i = 1; i < lis.length; i++) expect(seq[lis[i]]).toBeGreaterThan(seq[lis[i - 1]]);
  });
});

describe('KeyedList', () => {
  it('creates a node once per key and updates it in place afterwards', () => {
    const { parent, kl, created } = list();
    kl.update(recs([1, 2, 3], 'a'), (r) => r.id, false);
    const first = [...parent.children];
    kl.update(recs([1, 2, 3], 'b'), (r) => r.id, false);
    expect(created()).toBe(3);
    expect(parent.children).toEqual(first); // the same node objects
    expect(parent.children.map((n) => n.text)).toEqual(['b1', 'b2', 'b3']);
  });

  it('reorders with the fewest moves', () => {
    const { parent, kl } = list();
    kl.update(recs([1, 2, 3, 4, 5]), (r) => r.id, false);
    const ops0 = kl.ops;
    kl.update(recs([2, 3, 4, 5, 1]), (r) => r.id, false); // the first goes last: one move
    expect(parent.keys()).toEqual([2, 3, 4, 5, 1]);
    expect(kl.ops - ops0).toBe(1);
    const ops1 = kl.ops;
    kl.update(recs([2, 3, 4, 5, 1]), (r) => r.id, false); // unchanged order: no DOM operation
    expect(kl.ops).toBe(ops1);
    kl.update(recs([5, 4, 3, 2, 1]), (r) => r.id, false);
    expect(parent.keys()).toEqual([5, 4, 3, 2, 1]);
  });

  it('held: nothing moves, gone records stay retired in place, new ones are appended', () => {
    const { parent, kl } = list();
    kl.update(recs([1, 2, 3]), (r) => r.id, false);
    const nodes = [...parent.children];
    const ops0 = kl.ops;
    kl.update(recs([4, 3, 1]), (r) => r.id, true);
    expect(parent.keys()).toEqual([1, 2, 3, 4]);
    expect(parent.children.slice(0, 3)).toEqual(nodes);
    expect(kl.ops - ops0).toBe(1); // only the new node was inserted
    expect(kl.isRetired(2)).toBe(true);
    expect(parent.children[1].retired).toBe(true);
    // released: the wanted order, the retired one removed
    kl.update(recs([4, 3, 1]), (r) => r.id, false);
    expect(parent.keys()).toEqual([4, 3, 1]);
    expect(kl.isRetired(2)).toBe(false);
  });

  it('a retired record that comes back is live again in its old place', () => {
    const { parent, kl } = list();
    kl.update(recs([1, 2, 3]), (r) => r.id, false);
    kl.update(recs([1, 3]), (r) => r.id, true);
    expect(parent.children[1].retired).toBe(true);
    kl.update(recs([2, 1, 3]), (r) => r.id, true);
    expect(parent.keys()).toEqual([1, 2, 3]);
    expect(parent.children[1].retired).toBe(false);
    expect(kl.isRetired(2)).toBe(false);
  });

  it('stays before its end marker', () => {
    const parent = new FakeParent();
    const end = new FakeNode(-1);
    parent.children.push(end);
    const kl = new KeyedList<Rec, FakeNode>(parent, { create: (_r, k) => new FakeNode(k), update: () => {} }, end);
    kl.update(recs([1, 2]), (r) => r.id, false);
    kl.update(recs([2, 1, 3]), (r) => r.id, false);
    expect(parent.keys()).toEqual([2, 1, 3, -1]);
  });
});
