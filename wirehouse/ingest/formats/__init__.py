"""One module per input format: bytes or a stream of one input to documents or rejections."""
