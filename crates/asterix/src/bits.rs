//! Big-endian bit access used by the table-driven codec: read or write `n` bits at a bit offset
//! (MSB of byte 0 is bit 0). All reads are bounds-checked and return `None` past the end.

/// Reads `nbits` (1..=64) bits starting at `bit_off`, MSB first.
#[inline]
pub fn read_bits(data: &[u8], bit_off: usize, nbits: usize) -> Option<u64> {
    if nbits == 0 || nbits > 64 {
        return if nbits == 0 { Some(0) } else { None };
    }
    let end = bit_off.checked_add(nbits)?;
    if end > data.len() * 8 {
        return None;
    }
    let first = bit_off / 8;
    let last = (end - 1) / 8;
    let mut acc: u128 = 0;
    for &b in &data[first..=last] {
        acc = (acc << 8) | u128::from(b);
    }
    let total = (last - first + 1) * 8;
    let shift = total - (bit_off % 8) - nbits;
    let mask: u128 = (1u128 << nbits) - 1;
    Some(((acc >> shift) & mask) as u64)
}

/// Sign-extends the low `nbits` of `v`.
#[inline]
pub fn sign_extend(v: u64, nbits: usize) -> i64 {
    if nbits == 0 || nbits >= 64 {
        return v as i64;
    }
    let shift = 64 - nbits;
    ((v << shift) as i64) >> shift
}

/// Writes the low `nbits` of `value` at `bit_off` (the buffer must be large enough; bits outside
/// the field are preserved). Returns `false` if the field does not fit.
pub fn write_bits(data: &mut [u8], bit_off: usize, nbits: usize, value: u64) -> bool {
    if nbits > 64 || bit_off + nbits > data.len() * 8 {
        return false;
    }
    if bit_off.is_multiple_of(8) && nbits.is_multiple_of(8) {
        let first = bit_off / 8;
        let n = nbits / 8;
        for (i, d) in data[first..first + n].iter_mut().enumerate() {
            *d = (value >> (8 * (n - 1 - i))) as u8;
        }
        return true;
    }
    for i in 0..nbits {
        let bit = (value >> (nbits - 1 - i)) & 1;
        let pos = bit_off + i;
        let byte = pos / 8;
        let mask = 0x80u8 >> (pos % 8);
        if bit == 1 {
            data[byte] |= mask;
        } else {
            data[byte] &= !mask;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_write_roundtrip() {
        let mut buf = [0u8; 9];
        assert!(write_bits(&mut buf, 3, 13, 0x1abc));
        assert_eq!(read_bits(&buf, 3, 13), Some(0x1abc));
        assert!(write_bits(&mut buf, 8, 64, u64::MAX - 5));
        assert_eq!(read_bits(&buf, 8, 64), Some(u64::MAX - 5));
        assert_eq!(read_bits(&buf, 70, 8), None);
        assert_eq!(sign_extend(0x3fff, 14), -1);
        assert_eq!(sign_extend(0x1fff, 14), 0x1fff);
    }
}
