// A connected TCP socket that Beast reads and writes synchronously (it models Asio's
// SyncReadStream and SyncWriteStream). Why not asio::ip::tcp::socket: its blocking reads
// ignore SO_RCVTIMEO, and the server needs every read to time out (idle keep-alive
// connections, slow clients) and to be cut short by a shutdown from another thread.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <string>

namespace tripstream::http {

class TcpSocket {
  public:
    TcpSocket(int fd, std::chrono::milliseconds read_timeout);
    ~TcpSocket();
    TcpSocket(const TcpSocket&) = delete;
    TcpSocket& operator=(const TcpSocket&) = delete;

    // SyncReadStream: returns 0 bytes and an error at the end, on timeout or after shutdown.
    template <typename MutableBuffers>
    size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const boost::asio::mutable_buffer b = *it;
            if (b.size() > 0) return read_into(static_cast<char*>(b.data()), b.size(), ec);
        }
        ec = {};
        return 0;
    }
    template <typename MutableBuffers>
    size_t read_some(const MutableBuffers& buffers) {
        boost::system::error_code ec;
        const size_t n = read_some(buffers, ec);
        if (ec) throw boost::system::system_error(ec);
        return n;
    }

    // SyncWriteStream: writes at least one byte of the first non-empty buffer.
    template <typename ConstBuffers>
    size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
        size_t total = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const boost::asio::const_buffer b = *it;
            if (b.size() == 0) continue;
            const size_t n = write_from(static_cast<const char*>(b.data()), b.size(), ec);
            total += n;
            if (ec || n < b.size()) break;
        }
        return total;
    }
    template <typename ConstBuffers>
    size_t write_some(const ConstBuffers& buffers) {
        boost::system::error_code ec;
        const size_t n = write_some(buffers, ec);
        if (ec) throw boost::system::system_error(ec);
        return n;
    }

    // Writes all of `data`; false when the peer is gone (or after shutdown()).
    bool write_all(std::string_view data);

    // Ends every blocked or future read and write (any thread): graceful server stop.
    void shutdown();
    // Sends FIN after what was written: the client sees the end of the response at once,
    // while unread request bytes cannot yet turn the close into a reset.
    void shutdown_write();
    // After shutdown_write(): reads and discards what the client still sends, until it
    // closes, `limit` bytes or `timeout`. Closing a socket with unread bytes sends a reset,
    // which can destroy a response the client has not read yet (a 413 during an upload).
    void drain(std::chrono::milliseconds timeout, size_t limit);
    // Whether the peer has closed (or sent more data): a non-blocking check for streams that
    // only write, so that they notice a client that went away between events.
    bool peer_closed();
    const std::string& peer() const { return peer_; }

  private:
    size_t read_into(char* data, size_t size, boost::system::error_code& ec);
    size_t write_from(const char* data, size_t size, boost::system::error_code& ec);

    int fd_;
    std::chrono::milliseconds read_timeout_;
    std::string peer_;
};

}  // namespace tripstream::http
