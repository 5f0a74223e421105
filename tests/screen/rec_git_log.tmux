+        let first = cells.first().map_or(Style::default(), |c| c.style);
+        if cells
+            .iter()
+            .all(|c| c.flags == 0 && c.style == first && c.ch.is_ascii())
+        {
+            if !first.is_default() {
+                spans.push((0, first));
+            }
+            let mut bytes = text.into_bytes();
+            bytes.extend(cells.iter().map(|c| c.ch as u8));
+            // All ASCII, checked above.
+            text = String::from_utf8(bytes).unwrap_or_default();
+            self.text = text;
+            self.spans = spans;
+            self.wrapped = row.wrapped;
+            return;
+        }
         let mut cur = Style::default();
         for (col, cell) in row.cells[..len].iter().enumerate() {
             if cell.is_spacer() {
diff --git a/src/screen/term.rs b/src/screen/term.rs
index 4bef367..74c252d 100644
--- a/src/screen/term.rs
:
