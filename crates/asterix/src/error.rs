//! Decode errors: every error carries the byte offset (within the input handed to the decoder or
//! stream) where the problem was found, and a kind that says what went wrong.

use thiserror::Error;

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    /// Fewer bytes than a block header (3 bytes) or than the announced block length.
    #[error("truncated block: need {needed} bytes, {available} available")]
    TruncatedBlock {
        /// Bytes the header announced (or 3 for the header itself).
        needed: usize,
        /// Bytes actually available.
        available: usize,
    },
    /// The block LEN field is below 3 (cannot even hold its header).
    #[error("invalid block length {0}")]
    BadLength(u16),
    /// No table for this category.
    #[error("unknown category {0}")]
    UnknownCategory(u8),
    /// The FSPEC runs past the end of the record data.
    #[error("FSPEC runs past the end of the block")]
    FspecOverrun,
    /// The FSPEC is longer than any UAP of the category allows.
    #[error("FSPEC longer than the UAP ({0} octets)")]
    FspecTooLong(usize),
    /// An FSPEC bit refers to a UAP slot that is not defined (spare).
    #[error("FSPEC sets undefined FRN {0}")]
    UndefinedItem(usize),
    /// A data item runs past the end of the block.
    #[error("item I{cat:03}/{item} runs past the end of the block")]
    ItemOverrun {
        /// Category.
        cat: u8,
        /// Item identifier, e.g. "040".
        item: &'static str,
    },
    /// An explicit-length item (SP/RE) has a length byte of 0.
    #[error("item I{cat:03}/{item} has an invalid explicit length")]
    BadExplicitLength {
        /// Category.
        cat: u8,
        /// Item identifier.
        item: &'static str,
    },
    /// A record with no item at all (FSPEC of zero bits).
    #[error("empty record")]
    EmptyRecord,
    /// Capture-file problem (pcap/pcapng header or packet record).
    #[error("capture format: {0}")]
    Capture(&'static str),
    /// A record lacks an item the typed decoder needs.
    #[error("missing mandatory item I{cat:03}/{item}")]
    MissingItem {
        /// Category.
        cat: u8,
        /// Item identifier.
        item: &'static str,
    },
    /// A value cannot be encoded in its field (out of range).
    #[error("value out of range for {0}")]
    OutOfRange(&'static str),
}

/// A decode error with the byte offset where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Byte offset from the start of the input (file, buffer or datagram as documented by the caller).
    pub offset: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl DecodeError {
    /// Builds an error.
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        Self { offset, kind }
    }

    /// The same error, shifted by `base` bytes (used when a buffer is part of a larger file).
    #[must_use]
    pub fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }
}

/// An encoding error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// A value does not fit its field.
    #[error("value out of range for {0}")]
    OutOfRange(&'static str),
    /// The block would exceed 65535 bytes.
    #[error("block too long ({0} bytes)")]
    BlockTooLong(usize),
}
