//! Unix sockets: peer credentials (`SO_PEERCRED`) and passing fds (`SCM_RIGHTS`).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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

/// Room for this many fds in one message; more are closed by the kernel
/// (MSG_CTRUNC) and never reach us.
const MAX_FDS: usize = 4;

/// Control-message space for MAX_FDS fds, aligned for `cmsghdr`, on the
/// stack: client reads are a hot path and allocate nothing.
#[repr(C, align(8))]
struct ControlBuf([u8; 64]);

impl ControlBuf {
    fn new() -> ControlBuf {
        // SAFETY: CMSG_SPACE only computes a size.
        let need = unsafe { libc::CMSG_SPACE((MAX_FDS * std::mem::size_of::<RawFd>()) as u32) };
        debug_assert!(need as usize <= 64);
        ControlBuf([0; 64])
    }
}

/// Write `bytes` with `fd` attached (SCM_RIGHTS). Returns how many bytes went.
pub fn send_with_fd(sock: RawFd, bytes: &[u8], fd: RawFd) -> io::Result<usize> {
    let mut control = ControlBuf::new();
    // SAFETY: iov and control point into live buffers of the given lengths;
    // the cmsg header is written inside `control`, which CMSG_SPACE sized.
    unsafe {
        let mut iov = libc::iovec {
            iov_base: bytes.as_ptr() as *mut libc::c_void,
            iov_len: bytes.len(),
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>(), fd);
        loop {
            let n = libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL);
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// Read into `buf`; fds that came with the bytes are appended to `fds`
/// (close-on-exec). Ok(0) is end of file.
pub fn recv_with_fds(sock: RawFd, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
    let mut control = ControlBuf::new();
    // SAFETY: as in send_with_fd; the kernel fills at most msg_controllen
    // bytes of `control`, and each SCM_RIGHTS entry is an fd now ours.
    unsafe {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = control.0.len() as _;
        let n = loop {
            let n = libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC);
            if n >= 0 {
                break n as usize;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        };
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg);
                let len = (*cmsg).cmsg_len as usize - (data as usize - cmsg as usize);
                for i in 0..len / std::mem::size_of::<RawFd>() {
                    let fd = std::ptr::read_unaligned(data.cast::<RawFd>().add(i));
                    fds.push(OwnedFd::from_raw_fd(fd));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    #[test]
    fn an_fd_travels_with_its_bytes() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let (r, w) = crate::sys::fd::pipe_cloexec().expect("pipe");
        assert_eq!(
            send_with_fd(a.as_raw_fd(), b"hi", w.as_raw_fd()).expect("send"),
            2
        );
        drop(w);
        let mut buf = [0u8; 8];
        let mut fds = Vec::new();
        let n = recv_with_fds(b.as_raw_fd(), &mut buf, &mut fds).expect("recv");
        assert_eq!(&buf[..n], b"hi");
        assert_eq!(fds.len(), 1);
        crate::sys::fd::write_all(fds[0].as_raw_fd(), b"through").expect("write");
        drop(fds);
        let got = crate::sys::fd::read_to_end(&r).expect("read");
        assert_eq!(got, b"through");
        // Plain bytes: no fds.
        crate::sys::fd::write_all(a.as_raw_fd(), b"x").expect("write");
        let mut fds = Vec::new();
        assert_eq!(
            recv_with_fds(b.as_raw_fd(), &mut buf, &mut fds).expect("recv"),
            1
        );
        assert!(fds.is_empty());
    }
}
