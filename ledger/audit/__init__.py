"""Pure audit proofs: RFC 9162 Merkle trees and signed C2SP checkpoints."""
