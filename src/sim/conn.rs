//! The simulator's connections: an idle one is closed, as the real API's
//! front end does. A client that connects and goes silent (half-open after
//! a crash, a stalled partial request, a keep-alive nobody reuses) would
//! otherwise hold a socket and a task for ever. "Idle" means no byte either
//! way while no request is being answered: a request held by a `timeout`
//! fault, or a slow handler, is not cut.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a connection may stay idle by default (the order of the real
/// front end's keep-alive timeout).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Accepts TCP connections whose streams close themselves when idle.
pub struct IdleListener {
    inner: TcpListener,
    idle: Duration,
}

impl IdleListener {
    pub fn new(inner: TcpListener, idle: Duration) -> IdleListener {
        IdleListener { inner, idle }
    }
}

impl axum::serve::Listener for IdleListener {
    type Io = IdleStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (IdleStream, SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        let _ = stream.set_nodelay(true);
        (IdleStream::new(stream, self.idle), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Requests of one connection being answered right now.
#[derive(Debug, Default)]
struct Busy(AtomicUsize);

/// A TCP stream that fails its next read once nothing has moved for `idle`
/// while no request is in flight (hyper then drops the connection).
pub struct IdleStream {
    inner: TcpStream,
    busy: Arc<Busy>,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl IdleStream {
    fn new(inner: TcpStream, idle: Duration) -> IdleStream {
        IdleStream {
            inner,
            busy: Arc::default(),
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn touch(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for IdleStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                // hyper also reads while a request is answered (to see the
                // client go away); that wait is not idleness.
                if self.busy.0.load(Ordering::SeqCst) > 0 {
                    self.touch();
                    return Poll::Pending;
                }
                match self.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "idle connection closed by the simulator",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for IdleStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What each request learns about its connection: its in-flight counter.
#[derive(Debug, Clone)]
pub struct Conn(Arc<Busy>);

impl Connected<IncomingStream<'_, IdleListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, IdleListener>) -> Conn {
        Conn(stream.io().busy.clone())
    }
}

/// Middleware: the connection is busy while this request is answered.
pub async fn track(ConnectInfo(conn): ConnectInfo<Conn>, req: Request, next: Next) -> Response {
    struct Guard(Arc<Busy>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0 .0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    conn.0 .0.fetch_add(1, Ordering::SeqCst);
    let _guard = Guard(conn.0.clone());
    next.run(req).await
}
