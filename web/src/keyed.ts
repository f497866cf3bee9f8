// Keyed lists: DOM nodes (recommendation cards, track rows, history rows) are created once
// per record id and then only updated in place and moved, never rebuilt. While a list is
// "held" (the pointer is over it), nothing in it moves: existing nodes keep their order,
// records that went away stay where they are (marked retired, for the view to grey out),
// and new records are appended at the end. The order planning is pure (tested by vitest).

export interface OrderPlan {
  /** keys in display order */
  order: number[];
  /** keys whose node must be created */
  added: number[];
  /** keys whose node must be removed */
  removed: number[];
  /** keys no longer wanted but kept in place because the list is held */
  retired: number[];
}

/**
 * Plan the next order of a list. `current`: the keys of the nodes in their current order;
 * `wanted`: the keys that should be shown, in the desired order.
 */
export function planOrder(current: readonly number[], wanted: readonly number[], hold: boolean): OrderPlan {
  const cur = new Set(current);
  const want = new Set(wanted);
  const added = wanted.filter((k) => !cur.has(k));
  if (!hold) return { order: [...wanted], added, removed: current.filter((k) => !want.has(k)), retired: [] };
  return { order: [...current, ...added], added, removed: [], retired: current.filter((k) => !want.has(k)) };
}

/**
 * Indices (into `seq`) of one longest strictly increasing subsequence. The nodes at these
 * positions keep their place when a list is reordered; only the others are moved, so the
 * move of one node costs one DOM operation rather than shifting all the others.
 */
export function longestIncreasing(seq: readonly number[]): number[] {
  const tails: number[] = []; // index into seq of the smallest tail of each length
  const prev: number[] = new Array(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const out: number[] = [];
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) out.push(i);
  return out.reverse();
}

/** The part of the DOM a keyed list needs (an HTMLElement satisfies it; tests use a fake). */
export interface ListParent<N> {
  insertBefore(node: N, ref: N | null): unknown;
  removeChild(node: N): unknown;
}

export interface KeyedListView<T, N> {
  create(item: T, key: number): N;
  /** refresh a node from its record (called on every update while the record is wanted) */
  update(node: N, item: T, key: number): void;
  /** the record went away while the list is held; the node stays in place */
  retire?(node: N, key: number): void;
}

export class KeyedList<T, N> {
  /** nodes in display order */
  private keys: number[] = [];
  readonly nodes = new Map<number, N>();
  private retiredKeys = new Set<number>();
  /** DOM operations done so far (inserts/moves and removals; for tests and perf) */
  ops = 0;

  /** `end`: the node the list is placed before (null: at the end of the parent) */
  constructor(
    private parent: ListParent<N>,
    private view: KeyedListView<T, N>,
    private end: N | null = null,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  order(): number[] {
    return [...this.keys];
  }

  isRetired(key: number): boolean {
    return this.retiredKeys.has(key);
  }

  /** Show `items` (in this order) keyed by `key`; `hold` keeps every node where it is. */
  update(items: readonly T[], key: (item: T) => number, hold: boolean): OrderPlan {
    const byKey = new Map<number, T>();
    const wanted: number[] = [];
    for (const it of items) {
      const k = key(it);
      if (byKey.has(k)) continue;
      byKey.set(k, it);
      wanted.push(k);
    }
    const plan = planOrder(this.keys, wanted, hold);
    for (const k of plan.removed) {
      const n = this.nodes.get(k);
      if (n) {
        this.parent.removeChild(n);
        this.ops++;
      }
      this.nodes.delete(k);
      this.retiredKeys.delete(k);
    }
    for (const k of plan.added) this.nodes.set(k, this.view.create(byKey.get(k)!, k));
    for (const k of plan.retired) {
      if (this.retiredKeys.has(k)) continue;
      this.retiredKeys.add(k);
      this.view.retire?.(this.nodes.get(k)!, k);
    }
    for (const [k, it] of byKey) {
      this.retiredKeys.delete(k);
      this.view.update(this.nodes.get(k)!, it, k);
    }
    this.place(plan.order, new Set(plan.added));
    this.keys = plan.order;
    return plan;
  }

  /** Remove every node. */
  clear(): void {
    for (const n of this.nodes.values()) this.parent.removeChild(n);
    this.nodes.clear();
    this.retiredKeys.clear();
    this.keys = [];
  }

  /** Put the nodes in `order` with the fewest moves (the longest already-ordered run stays). */
  private place(order: number[], added: Set<number>): void {
    const oldPos = new Map(this.keys.map((k, i) => [k, i]));
    // positions (in the old order) of the nodes that already exist, in the new order
    const existing = order.filter((k) => !added.has(k) && oldPos.has(k));
    const stay = new Set(longestIncreasing(existing.map((k) => oldPos.get(k)!)).map((i) => existing[i]));
    // walk from the end: each node goes before its successor in the new order
    let next: N | null = this.end;
    for (let i = order.length - 1; i >= 0; i--) {
      const k = order[i];
      const n = this.nodes.get(k)!;
      if (!stay.has(k)) {
        this.parent.insertBefore(n, next);
        this.ops++;
      }
      next = n;
    }
  }
}
