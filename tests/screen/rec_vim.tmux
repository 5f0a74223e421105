  1 hello first line
  2 second line with more text
  3 third
  4 new line 中文 é
~
~
~
~
~
~
~
~
~
~
~
~
~
~
~
~
~
~
~

