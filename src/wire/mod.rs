//! Bytes on the wire: the values, the ClientHello we send and the server's
//! first flight we read.

pub mod codes;
