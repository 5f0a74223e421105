This file is the contract users, scripts and tests rely on. Where it is silent,
do what a careful user of tmux, dtach or docker would expect, and write it down
in the man page.

## 1. Concepts

- **Session**: one command in a PTY, supervised by one `linger` supervisor proce
ss
  (the same binary, started in supervisor mode, in its own process session, with
 no
@
/work/shared/SPEC.md [RO]
        }
    }

    /// Blank the whole row in `style`, keeping its allocation.
    pub fn clear(&mut self, style: Style) {
        self.cells.fill(Cell::blank(style));
        self.marks.clear();
        self.wrapped = false;
    }

/tmp/rec-grid.rs [RO]

