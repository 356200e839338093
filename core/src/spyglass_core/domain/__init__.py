"""Domain model: msgspec Structs and the pure rules that act on them."""
