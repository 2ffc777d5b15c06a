//! Encoding (placeholder until written below).
