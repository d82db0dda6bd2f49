/**
 * Limits on what a subscription may ask the broker to compile. They keep compilation linear and
 * evaluation shallow: the parser recurses at most MAX_DEPTH_COUNT times, and the compiled closures
 * nest no deeper than the expression tree.
 */
export const MAX_EXPRESSION_LENGTH_CHARS = 4096;
/** Nesting of parentheses and unary operators, and depth of the expression tree. */
export const MAX_DEPTH_COUNT = 64;
export const MAX_IN_ITEMS_COUNT = 1024;
