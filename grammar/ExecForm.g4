// Exec (JSON) form of RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK and the list form of ADD/COPY/VOLUME:
// JSON as Go's encoding/json accepts it. The driver rejects non-string elements with BuildKit's error.
grammar ExecForm;

execForm : WS? array WS? EOF ;

array : '[' WS? ( value ( WS? ',' WS? value )* WS? )? ']' ;

value : STRING | NUMBER | object | array | JTRUE | JFALSE | JNULL ;

object : '{' WS? ( pair ( WS? ',' WS? pair )* WS? )? '}' ;

pair : STRING WS? ':' WS? value ;

JTRUE : 'true' ;
JFALSE : 'false' ;
JNULL : 'null' ;
STRING : '"' ( ESCAPE | ~["\\\u0000-\u001F] )* '"' ;
NUMBER : '-'? ( '0' | [1-9] [0-9]* ) ( '.' [0-9]+ )? ( [eE] [+-]? [0-9]+ )? ;
WS : [ \t\n\r]+ ;
// Anything else is a token no rule accepts, so the text is not JSON and falls back to shell form.
OTHER : . ;

fragment ESCAPE : '\\' ( ["\\/bfnrt] | 'u' HEX HEX HEX HEX ) ;
fragment HEX : [0-9a-fA-F] ;
