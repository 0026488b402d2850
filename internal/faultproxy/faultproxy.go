// Package faultproxy is a TCP proxy for fault tests: it sits between a
// process under test and a shared service (Postgres, Redis) and simulates
// that service dying, restarting or vanishing from the network, without
// touching the service itself (others use it). It speaks no protocol: it
// copies bytes, cuts connections and stalls them.
package faultproxy

import (
	"net"
	"sync"
	"testing"
)

// Mode is what the proxy does with traffic.
type Mode int

// Modes.
const (
	// Pass forwards every connection to the target.
	Pass Mode = iota
	// Down is a dead or restarting service: open connections are reset
	// and new ones are reset as soon as they are accepted.
	Down
	// Blackhole is a network partition: connections stay open and new
	// ones are accepted, but no byte goes through either way.
	Blackhole
)

// Proxy forwards 127.0.0.1:<port> to a target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	mode    Mode
	changed chan struct{} // closed and replaced at every mode change
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// New starts a proxy to target (host:port), stopped when the test ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, changed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Set changes the mode from now on. Down resets every open connection at
// once (as a restarting server does); Pass lets stalled bytes through.
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	p.mode = m
	close(p.changed)
	p.changed = make(chan struct{})
	var cut []net.Conn
	if m == Down {
		for c := range p.conns {
			cut = append(cut, c)
		}
	}
	p.mu.Unlock()
	for _, c := range cut {
		reset(c)
	}
}

// Conns is the number of client connections open through the proxy.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		if _, client := c.(*clientConn); client {
			n++
		}
	}
	return n
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.changed)
	p.changed = make(chan struct{})
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

// clientConn marks the accepted side of a pair (Conns counts those).
type clientConn struct{ net.Conn }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(&clientConn{c})
	}
}

// state is the mode and the channel that is closed when it changes.
func (p *Proxy) state() (Mode, <-chan struct{}, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.changed, p.closed
}

// track registers c for cutting; false when the proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// serve handles one accepted connection: reset it when Down, hold it
// while Blackhole, otherwise pipe it to a new connection to the target.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		client.Close()
		return
	}
	defer p.untrack(client)
	for {
		mode, changed, closed := p.state()
		if closed || mode == Down {
			reset(client)
			return
		}
		if mode == Pass {
			break
		}
		<-changed // a blackholed connect: the client waits for its timeout
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(client)
		return
	}
	if !p.track(server) {
		server.Close()
		client.Close()
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client); done <- struct{}{} }()
	go func() { p.pipe(client, server); done <- struct{}{} }()
	<-done
	// One side ended: end both, so the other copy returns too.
	client.Close()
	server.Close()
	<-done
}

// pipe copies src to dst; while the proxy is blackholed each chunk read
// waits (unsent) until the mode changes.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.hold() {
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // serve closes both sides
		}
	}
}

// hold waits out a blackhole; false when the bytes must be dropped
// (Down or closed).
func (p *Proxy) hold() bool {
	for {
		mode, changed, closed := p.state()
		switch {
		case closed || mode == Down:
			return false
		case mode == Pass:
			return true
		}
		<-changed
	}
}

// reset closes c with an RST instead of a FIN, as a killed server's
// kernel does: the peer sees "connection reset", not a clean end.
func reset(c net.Conn) {
	if cc, ok := c.(*clientConn); ok {
		c = cc.Conn
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck
	}
	c.Close()
}
