// Package probe holds the probes of outage detection: small, independent
// checks (DNS, TCP, TLS, HTTPS, WebSocket, WhatsApp Cloud API health, a
// canary send-and-confirm, the real-traffic delivery window and Meta's
// status feed) that each return a classified Result, plus the Runner that
// schedules them. Probes only report facts; deciding "WhatsApp is down" or
// "our network is down" is the evaluator's job, so this package never
// imports it.
package probe
