package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// WebPushVersion is the web-push-testing version .ci/run installs.
const WebPushVersion = "1.2.2"

// PushService is a running web-push-testing: a push service that checks
// each message's VAPID token against the subscription's application
// server key, decrypts it (aes128gcm, RFC 8291) and keeps the plain text.
type PushService struct {
	URL string
}

// loopbackOnly makes a Node.js server that listens on "every interface"
// listen on 127.0.0.1 instead; the peers are never reachable from outside.
const loopbackOnly = `const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (port, ...rest) {
  if (typeof port === 'number' && (rest.length === 0 || typeof rest[0] === 'function')) {
    return listen.call(this, port, '127.0.0.1', ...rest);
  }
  return listen.apply(this, [port, ...rest]);
};
`

// StartWebPush starts web-push-testing on a loopback port.
func StartWebPush(t testing.TB) *PushService {
	t.Helper()
	dir := nodePackage(t, "web-push-testing")
	port := freePort(t)
	p := &PushService{URL: "http://localhost:" + strconv.Itoa(port)}
	script := loopbackOnly + fmt.Sprintf("process.argv[2] = %q;\nrequire(%q);\n", strconv.Itoa(port), filepath.Join(dir, "src", "bin", "server.js"))
	cmd := exec.Command("node", "-e", script)
	cmd.Dir = t.TempDir() // node-persist state, if any, stays there
	start(t, "web-push-testing", cmd, func() error {
		return statusOK(context.Background(), "POST", "http://"+addr(port)+"/status")
	})
	return p
}

// Subscribe creates a browser subscription for the application server
// key (base64url, uncompressed P-256) and returns it as the browser's
// PushSubscription JSON, with the client hash that reads its messages.
func (p *PushService) Subscribe(ctx context.Context, applicationServerKey string) (subscription, clientHash string, err error) {
	var out struct {
		Data struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256DH string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
			ClientHash string `json:"clientHash"`
		} `json:"data"`
	}
	if err := p.post(ctx, "/subscribe", map[string]any{"userVisibleOnly": "true", "applicationServerKey": applicationServerKey}, &out); err != nil {
		return "", "", err
	}
	sub, _ := json.Marshal(map[string]any{"endpoint": out.Data.Endpoint, "expirationTime": nil,
		"keys": map[string]string{"p256dh": out.Data.Keys.P256DH, "auth": out.Data.Keys.Auth}})
	return string(sub), out.Data.ClientHash, nil
}

// Notifications returns the decrypted messages a subscription received.
func (p *PushService) Notifications(ctx context.Context, clientHash string) ([]string, error) {
	var out struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	if err := p.post(ctx, "/get-notifications", map[string]string{"clientHash": clientHash}, &out); err != nil {
		return nil, err
	}
	return out.Data.Messages, nil
}

// Expire unsubscribes a browser: the push service answers 410 from then on.
func (p *PushService) Expire(ctx context.Context, clientHash string) error {
	return p.post(ctx, "/expire-subscription/"+clientHash, nil, nil)
}

func (p *PushService) post(ctx context.Context, path string, body, v any) error {
	if err := callJSON(ctx, "POST", p.URL+path, body, v); err != nil {
		return fmt.Errorf("web-push-testing: %w", err)
	}
	return nil
}
