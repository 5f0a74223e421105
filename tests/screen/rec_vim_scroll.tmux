 12 use std::collections::VecDeque;
 13
 14 use super::cell::{flag, Cell, Style};
 15
 16 /// Combining marks kept per cell beyond this are dropped: a program printin
    g
 17 /// endless accents on one cell must not grow memory.
 18 const MAX_MARK_BYTES: usize = 32;
 19
 20 #[derive(Clone, Debug, Default, PartialEq, Eq)]
 21 x
 22 /// One screen line.
 23 pub struct Row {
 24     pub cells: Vec<Cell>,
 25     /// The line continued on the next row because text wrapped at the right
 26     /// margin (not because of a newline). Kept for history and optional ref
    low.
 27     pub wrapped: bool,
 28     /// Combining marks of cells with the `MARKS` flag, by column. Almost al
    ways
 29     /// empty; a side table keeps `Cell` a small `Copy` type.
 30     pub marks: Vec<(u16, String)>,
 31 }

