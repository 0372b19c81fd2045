package webhook

import (
	"errors"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_773_504_600, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"id":"k","message":{"text":"x","drill":false}}`)
	good := Sign(secret, ts, body)
	tests := []struct {
		name      string
		secret    []byte
		ts, sig   string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{name: "valid", ts: ts, sig: good, now: now},
		{name: "clock a little behind", ts: ts, sig: good, now: now.Add(-4 * time.Minute)},
		{name: "rotation: second value matches", ts: ts, sig: "v1=00ff, " + good, now: now},
		{name: "tampered body", ts: ts, sig: good, body: []byte(`{"id":"k2"}`), now: now, want: ErrSignature},
		{name: "wrong secret", secret: []byte("another secret, 32 bytes long.."), ts: ts, sig: good, now: now, want: ErrSignature},
		{name: "other timestamp", ts: strconv.FormatInt(now.Unix()+1, 10), sig: good, now: now, want: ErrSignature},
		{name: "replayed later", ts: ts, sig: good, now: now.Add(6 * time.Minute), want: ErrTimestamp},
		{name: "from the future", ts: ts, sig: good, now: now.Add(-6 * time.Minute), want: ErrTimestamp},
		{name: "wider tolerance", ts: ts, sig: good, now: now.Add(time.Hour), tolerance: 2 * time.Hour},
		{name: "no timestamp", sig: good, now: now, want: ErrTimestamp},
		{name: "no version prefix", ts: ts, sig: good[3:], now: now, want: ErrSignature},
		{name: "not hex", ts: ts, sig: "v1=zz", now: now, want: ErrSignature},
		{name: "empty", ts: ts, now: now, want: ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec, b := secret, body
			if tt.secret != nil {
				sec = tt.secret
			}
			if tt.body != nil {
				b = tt.body
			}
			if err := Verify(sec, tt.ts, tt.sig, b, tt.now, tt.tolerance); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// The example in docs/channels.md, so that receivers in other
	// languages can check theirs (openssl dgst -sha256 -hmac agrees).
	doc := `{"id":"4f1c9a0e7b2d4e61a5c3b8d9e0f1a2b3","message":{"subject":"Panne WhatsApp","text":"WhatsApp est en panne. Commandez par SMS au 06 00 00 12 34.","lang":"fr","drill":false}}`
	if got := Sign([]byte("0123456789abcdef0123456789abcdef"), "1773504600", []byte(doc)); got != "v1=c9f6d9eaa69ebcdef8b3fdd72f837e24f34b031d18f028ef2d9a0dff568e8a58" {
		t.Errorf("documented example signs as %s", got)
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true},
		{"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true}, {"192.168.1.1", true},
		{"fc00::1", true}, {"fd12:3456::1", true},
		{"169.254.169.254", true}, {"fe80::1", true}, {"fe80::1%eth0", true},
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"::", true},
		{"224.0.0.1", true}, {"239.255.255.250", true}, {"ff02::1", true}, {"255.255.255.255", true},
		{"100.64.0.1", true}, {"100.127.255.254", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"64:ff9b::a00:1", true}, {"2002:c0a8:101::1", true},
		{"8.8.8.8", false}, {"172.32.0.1", false}, {"100.128.0.1", false}, {"93.184.216.34", false},
		{"2606:4700:4700::1111", false}, {"64:ff9b::808:808", false}, {"2002:808:808::1", false},
	}
	for _, tt := range tests {
		err := CheckAddr(netip.MustParseAddr(tt.addr))
		if (err != nil) != tt.blocked || (err != nil && !errors.Is(err, ErrBlocked)) {
			t.Errorf("CheckAddr(%s) = %v, want blocked %v", tt.addr, err, tt.blocked)
		}
	}
}
