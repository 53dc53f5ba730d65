// Tokens of BuildKit's parseWords (ARG, ENV, LABEL arguments). The escape token is a runtime choice
// (`\` or a backtick, from the escape directive): the driver starts the lexer in the default mode
// for a backslash or in BT for a backtick, so the parser needs no predicates and caches its DFA.
lexer grammar WordsLexer;

// Escape token: backslash.
SPACE : [ \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ;
ESCAPED : '\\' . ;        // the escape token and the character it escapes, both kept
ESC_END : '\\' ;          // only matches at the very end (otherwise ESCAPED is longer): dropped
DQUOTE : '"' -> pushMode(DQ_BS) ;
SQUOTE : '\'' -> pushMode(SQ) ;
TEXT : ~[ \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000'"\\]+ ;

mode BT; // escape token: backtick
BT_SPACE : [ \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] -> type(SPACE) ;
BT_ESCAPED : '`' . -> type(ESCAPED) ;
BT_ESC_END : '`' -> type(ESC_END) ;
BT_DQUOTE : '"' -> type(DQUOTE), pushMode(DQ_BT) ;
BT_SQUOTE : '\'' -> type(SQUOTE), pushMode(SQ) ;
BT_TEXT : ~[ \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000'"`]+ -> type(TEXT) ;

mode DQ_BS; // inside double quotes, escape token backslash
DQ_BS_ESCAPED : '\\' . -> type(ESCAPED) ;
DQ_BS_ESC_END : '\\' -> type(ESC_END) ;
DQ_BS_CLOSE : '"' -> type(DQUOTE), popMode ;
DQ_BS_TEXT : ~["\\]+ -> type(TEXT) ;

mode DQ_BT; // inside double quotes, escape token backtick
DQ_BT_ESCAPED : '`' . -> type(ESCAPED) ;
DQ_BT_ESC_END : '`' -> type(ESC_END) ;
DQ_BT_CLOSE : '"' -> type(DQUOTE), popMode ;
DQ_BT_TEXT : ~["`]+ -> type(TEXT) ;

mode SQ; // inside single quotes nothing is special but the closing quote
SQ_CLOSE : '\'' -> type(SQUOTE), popMode ;
SQ_TEXT : ~[']+ -> type(TEXT) ;
