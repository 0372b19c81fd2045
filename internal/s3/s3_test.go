package s3

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// startStore runs an S3-compatible server (gofakes3, in memory) on
// loopback with one bucket; wrap may sit in front of it.
func startStore(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("status"); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = gofakes3.New(backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

func newClient(t *testing.T, endpoint string) *Client {
	t.Helper()
	o, err := ParseURL("s3://status/site?endpoint=" + endpoint + "&region=eu-west-3&path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	o.AccessKey, o.SecretKey, o.Timeout = "AKIDTEST", "secret-test-key", 5*time.Second
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

func TestPutGetDelete(t *testing.T) {
	var auth atomic.Value
	endpoint := startStore(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth.Store(r.Header.Get("Authorization") + " cache=" + r.Header.Get("Cache-Control") + " " + r.URL.Path)
			next.ServeHTTP(w, r)
		})
	})
	c := newClient(t, endpoint)
	ctx := context.Background()
	body := []byte(`{"status":{"indicator":"critical"}}`)
	if err := c.Put(ctx, "api/v2/summary.json", body, "application/json; charset=utf-8", "public, max-age=5"); err != nil {
		t.Fatal(err)
	}
	seen, _ := auth.Load().(string)
	if !strings.Contains(seen, "Credential=AKIDTEST/") || !strings.Contains(seen, "/eu-west-3/s3/aws4_request") || !strings.HasSuffix(seen, " cache=public, max-age=5 /status/site/api/v2/summary.json") {
		t.Fatalf("request seen by the store: %s", seen)
	}
	// (the in-memory store keeps the content type but not Cache-Control,
	// which is checked on the request above)
	got, h, err := c.Get(ctx, "api/v2/summary.json")
	if err != nil || string(got) != string(body) || h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("get: %q %v %v", got, h, err)
	}
	if err := c.Delete(ctx, "api/v2/summary.json"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, "api/v2/summary.json"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := c.Delete(ctx, "never-there"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func TestErrorsAndBoundedRetries(t *testing.T) {
	var fail atomic.Int32
	var calls atomic.Int32
	endpoint := startStore(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if fail.Add(-1) >= 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	c := newClient(t, endpoint)
	ctx := context.Background()

	fail.Store(2)
	if err := c.Put(ctx, "index.html", []byte("<p>ok</p>"), "text/html", ""); err != nil || calls.Load() != 3 {
		t.Fatalf("two 503s then success: err %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	fail.Store(100)
	err := c.Put(ctx, "index.html", []byte("x"), "text/html", "")
	var se *Error
	if !errors.As(err, &se) || se.Status != 503 || se.Code != "SlowDown" || calls.Load() != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("always 503: %v after %d calls", err, calls.Load())
	}
	fail.Store(0)
	calls.Store(0)
	o := c.o
	o.Bucket = "missing"
	other, _ := New(o)
	err = other.Put(ctx, "index.html", []byte("x"), "text/html", "")
	if !errors.As(err, &se) || se.Status != 404 || se.Code != "NoSuchBucket" || calls.Load() != 1 {
		t.Fatalf("missing bucket: %v after %d calls (a 404 must not be retried)", err, calls.Load())
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in, endpoint, bucket, prefix, region string
		pathStyle                            bool
		err                                  string
	}{
		{in: "s3://status", endpoint: "https://s3.us-east-1.amazonaws.com", bucket: "status", region: "us-east-1"},
		{in: "s3://b/site/fr?region=eu-west-3", endpoint: "https://s3.eu-west-3.amazonaws.com", bucket: "b", prefix: "site/fr/", region: "eu-west-3"},
		{in: "s3://b?endpoint=http://127.0.0.1:9000&path_style=true", endpoint: "http://127.0.0.1:9000", bucket: "b", region: "us-east-1", pathStyle: true},
		{in: "https://b.s3.amazonaws.com", err: "not a bucket URL"},
		{in: "s3://b?path_style=yes", err: "path_style"},
	} {
		o, err := ParseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || o.Endpoint != tc.endpoint || o.Bucket != tc.bucket || o.Prefix != tc.prefix || o.Region != tc.region || o.PathStyle != tc.pathStyle {
			t.Errorf("%s: %+v %v", tc.in, o, err)
		}
	}
	if _, err := New(Options{Endpoint: "http://127.0.0.1:1", Bucket: "b"}); err == nil || !strings.Contains(err.Error(), "access key") {
		t.Errorf("missing credentials: %v", err)
	}
}

func TestVirtualHostedURL(t *testing.T) {
	c, err := New(Options{Endpoint: "https://s3.eu-west-3.amazonaws.com", Bucket: "status", Prefix: "p/", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.objectURL("fr/index.html").String(); got != "https://status.s3.eu-west-3.amazonaws.com/p/fr/index.html" {
		t.Fatalf("object URL %s", got)
	}
}
