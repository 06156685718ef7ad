# Writes small data sets in MNIST's idx format, for the shell tests (source this file).

be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }

# DIR/PREFIX-images-idx3-ubyte and DIR/PREFIX-labels-idx1-ubyte: COUNT images of 2×2, labels
# cycling 0..3, each class's pixels distinct, so that a few batches learn something.
write_idx() {  # DIR PREFIX COUNT
  local dir=$1 prefix=$2 count=$3 i
  { be32 2051; be32 "$count"; be32 2; be32 2
    for ((i = 0; i < count; i++)); do printf "\\x$(printf %02x $((i % 4 * 60)))\\x10\\x$(printf %02x $((255 - i % 4 * 60)))\\x80"; done
  } >"$dir/$prefix-images-idx3-ubyte"
  { be32 2049; be32 "$count"
    for ((i = 0; i < count; i++)); do printf "\\x$(printf %02x $((i % 4)))"; done
  } >"$dir/$prefix-labels-idx1-ubyte"
}
