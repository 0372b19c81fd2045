//go:build !linux

package statuspage

import "net"

// epollServer exists on Linux only; elsewhere a goroutine serves each
// connection.
type epollServer struct{}

func newEpollServer(*fastListener) *epollServer { return nil }

func (*epollServer) add(net.Conn) bool { return false }

func (*epollServer) wake() {}
