// BuildKit's parseWords: words split on unquoted, unescaped whitespace; quotes and escapes stay in
// the word; a trailing escape token (ESC_END) is dropped by the driver.
parser grammar WordsParser;

options { tokenVocab = WordsLexer; }

// Words are maximal runs of non-space tokens: the loop in `word` is greedy, and the driver parses
// in SLL mode, where ANTLR resolves that choice to the first alternative without full-context retries.
words : ( SPACE | word )* EOF ;

word : ( ESCAPED | ESC_END | TEXT | doubleQuoted | singleQuoted )+ ;

doubleQuoted : DQUOTE ( ESCAPED | ESC_END | TEXT )* DQUOTE? ;

singleQuoted : SQUOTE TEXT? SQUOTE? ;
