// Package probetest holds local stand-ins for what the probes talk to: a
// DNS server, a TLS/HTTP/WebSocket server, a WhatsApp Cloud API double that
// also plays Meta's webhook sender, and a fake clock. They listen on
// 127.0.0.1 only and serve both the probe tests and the product's demo.
package probetest
