//! Unix-socket credentials: `getsockopt(SO_PEERCRED)`.

use std::io;
use std::os::fd::AsRawFd;

/// The uid of the process at the other end of a connected Unix socket.
pub fn peer_uid(sock: &impl AsRawFd) -> io::Result<u32> {
    // SAFETY: cred is a valid ucred and len its size, as getsockopt expects.
    unsafe {
        let mut cred: libc::ucred = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        super::cvt(libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        ))?;
        Ok(cred.uid)
    }
}
