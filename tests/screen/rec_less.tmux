client's window size, receives a redraw of the session's current screen (content
s,
colours and attributes, cursor position and visibility, alternate-screen and the
terminal modes the program set: application cursor keys, bracketed paste, mouse
reporting), then the live stream. SIGWINCH resizes the session. On the primary s
creen, the session's recent
history is written first, so that it lands in the terminal's own scrollback; the
user's earlier scrollback is never erased (no `CSI 3 J`). Answers that the user'
s
terminal sends back to queries are never delivered to the program as typed input
unless the program asked; while no client is attached the supervisor answers the
common queries (cursor position, device attributes) itself from its model.

- Another read-write client attached: exit 1,
  `linger: session a3f7c2 is already attached (use --takeover or --read-only)`.
- `--takeover` detaches the other client (it prints `[detached: taken over]` and
 exits 0).
- `--read-only` joins as a viewer: any number may watch; input other than the
  detach sequence is ignored; the window size stays the writer's.
- The detach sequence detaches (`[detached from session a3f7c2]`, exit 0).
- On detach or exit the client's terminal is restored: cooked mode, primary scre
en,
  cursor visible, mouse reporting and bracketed paste off, attributes reset.
:
