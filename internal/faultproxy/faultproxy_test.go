package faultproxy_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/faultproxy"
)

// echo is a line echo server for the proxy to front.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, wait time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(wait)) //nolint:errcheck
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// TestModes: bytes pass, Down resets open and new connections, Blackhole
// holds bytes until the proxy passes again.
func TestModes(t *testing.T) {
	t.Parallel()
	p := faultproxy.New(t, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := roundTrip(c, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("pass: %q %v", got, err)
	}
	p.Set(faultproxy.Down)
	if _, err := roundTrip(c, 5*time.Second); err == nil {
		t.Fatal("an open connection survived Down")
	}
	if c2, err := net.Dial("tcp", p.Addr()); err == nil {
		if _, err := roundTrip(c2, 5*time.Second); err == nil {
			t.Fatal("a new connection worked while Down")
		}
		c2.Close()
	}
	p.Set(faultproxy.Blackhole)
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := roundTrip(c3, 200*time.Millisecond); err == nil {
		t.Fatal("bytes went through a blackhole")
	}
	p.Set(faultproxy.Pass)
	c4, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close()
	if got, err := roundTrip(c4, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("after restore: %q %v", got, err)
	}
}
