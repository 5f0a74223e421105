ow because text wrapped at the right
). Kept for history and optional reflow.

e `MARKS` flag, by column. Almost always
 a small `Copy` type.






s],





keeping its allocation.
) {
e));



:
