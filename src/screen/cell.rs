//! Cell, Style and Color: the small `Copy` types every grid row is made of.
//!
//! A cell is 24 bytes. Rows are preallocated `Vec<Cell>`, so printing a
//! character is a store into an existing slot, never an allocation.

/// A colour as the program asked for it, packed in a `u32` (tag in the top
/// byte) so that comparing styles compiles to plain integer compares: the
/// history and the renderer compare the style of every cell.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Color(u32);

/// The unpacked form of a [`Color`]. `Indexed(0..16)` are the ANSI and bright
/// colours (SGR 30-37, 90-97); `Indexed(16..)` come from `38;5;n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorValue {
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl Color {
    pub const DEFAULT: Color = Color(0);

    pub const fn indexed(n: u8) -> Color {
        Color(1 << 24 | n as u32)
    }

    /// A palette colour set with `38;5;n` (or `48;5`, `58;5`). The first
    /// sixteen are the same colours as SGR 30-37/90-97 but kept apart, so
    /// that a redraw repeats the form the program used (terminals that
    /// brighten bold text do it for the short form only).
    pub const fn palette(n: u8) -> Color {
        if n < 16 {
            Color(3 << 24 | n as u32)
        } else {
            Color::indexed(n)
        }
    }

    /// Set with the `38;5;n` form (`palette`) although `n` is below 16.
    pub fn long_form(self) -> bool {
        self.0 >> 24 == 3
    }

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color(2 << 24 | (r as u32) << 16 | (g as u32) << 8 | b as u32)
    }

    pub fn value(self) -> ColorValue {
        let [tag, r, g, b] = self.0.to_be_bytes();
        match tag {
            1 | 3 => ColorValue::Indexed(b),
            2 => ColorValue::Rgb(r, g, b),
            _ => ColorValue::Default,
        }
    }
}

impl std::fmt::Debug for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value().fmt(f)
    }
}

/// Attribute bits of a [`Style`]. Underline is not a bit: it has a style of its own.
pub mod attr {
    pub const BOLD: u16 = 1 << 0;
    pub const DIM: u16 = 1 << 1;
    pub const ITALIC: u16 = 1 << 2;
    pub const BLINK: u16 = 1 << 3;
    pub const REVERSE: u16 = 1 << 4;
    pub const HIDDEN: u16 = 1 << 5;
    pub const STRIKE: u16 = 1 << 6;
    pub const OVERLINE: u16 = 1 << 7;
}

/// Underline styles, as in `SGR 4:n`.
pub mod underline {
    pub const NONE: u8 = 0;
    pub const SINGLE: u8 = 1;
    pub const DOUBLE: u8 = 2;
    pub const CURLY: u8 = 3;
    pub const DOTTED: u8 = 4;
    pub const DASHED: u8 = 5;
}

/// Everything SGR sets: the pen, and the look of each cell.
///
/// `repr(C)` with no padding: equality compares two 8-byte words (see
/// [`Style::words`]), which history and rendering do for every cell.
#[derive(Clone, Copy, Debug, Default, Eq)]
#[repr(C)]
pub struct Style {
    pub fg: Color,
    pub bg: Color,
    /// Underline colour (SGR 58); `Default` follows the foreground.
    pub ul_color: Color,
    /// [`attr`] bits.
    pub attrs: u16,
    /// One of [`underline`].
    pub underline: u8,
    /// Always 0: with no padding bytes, comparing two styles is two 8-byte
    /// compares.
    pub reserved: u8,
}

impl PartialEq for Style {
    #[inline]
    fn eq(&self, other: &Style) -> bool {
        self.words() == other.words()
    }
}

impl std::hash::Hash for Style {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.words().hash(state);
    }
}

impl Style {
    /// All fields packed in two words, in memory order (so the compiler
    /// can load them as they are).
    #[inline]
    fn words(&self) -> (u64, u64) {
        (
            self.fg.0 as u64 | (self.bg.0 as u64) << 32,
            self.ul_color.0 as u64
                | (self.attrs as u64) << 32
                | (self.underline as u64) << 48
                | (self.reserved as u64) << 56,
        )
    }

    #[inline]
    pub fn is_default(&self) -> bool {
        *self == Style::default()
    }

    /// The style an erase leaves behind: xterm's "background colour erase"
    /// keeps only the background of the pen.
    pub fn erased(&self) -> Style {
        Style {
            bg: self.bg,
            ..Style::default()
        }
    }
}

/// What occupies a cell beyond its character.
pub mod flag {
    /// First half of a double-width character; the next cell is its `SPACER`.
    pub const WIDE: u8 = 1 << 0;
    /// Second half of a double-width character: holds no text of its own.
    pub const SPACER: u8 = 1 << 1;
    /// Combining marks for this cell live in the row's side table
    /// (`Row::marks`), so that `Cell` stays `Copy` and small.
    pub const MARKS: u8 = 1 << 2;
    /// Drawn through the DEC special graphics set (`ESC ( 0`, then `q` for
    /// `─`): `ch` is what it looks like; a redraw draws it the same way, so
    /// that a terminal that keeps the charset per cell (tmux) gets it back.
    pub const DEC: u8 = 1 << 3;
}

/// One character cell. A blank cell is a space: erased cells and cells never
/// written look the same, as they do on a real terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub style: Style,
    /// [`flag`] bits.
    pub flags: u8,
    /// OSC 8 hyperlink: 0 for none, else an index into the screen's link
    /// table (`Term::links`). Fits in the cell's padding.
    pub link: u16,
}

impl Default for Cell {
    fn default() -> Self {
        Cell::BLANK
    }
}

impl Cell {
    pub const BLANK: Cell = Cell {
        ch: ' ',
        style: Style {
            fg: Color::DEFAULT,
            bg: Color::DEFAULT,
            ul_color: Color::DEFAULT,
            attrs: 0,
            underline: 0,
            reserved: 0,
        },
        flags: 0,
        link: 0,
    };

    /// A blank cell in the given (erase) style.
    pub fn blank(style: Style) -> Cell {
        Cell {
            ch: ' ',
            style,
            flags: 0,
            link: 0,
        }
    }

    /// True for a space with default style: what `text_lines` trims.
    #[inline]
    pub fn is_blank(&self) -> bool {
        self.ch == ' ' && self.flags == 0 && self.link == 0 && self.style.is_default()
    }

    pub fn is_wide(&self) -> bool {
        self.flags & flag::WIDE != 0
    }

    pub fn is_spacer(&self) -> bool {
        self.flags & flag::SPACER != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_stays_small() {
        assert!(std::mem::size_of::<Cell>() <= 24, "Cell grew");
        assert!(std::mem::size_of::<Color>() == 4, "Color grew");
    }
}
