// Package s3 is a small client for S3-compatible object stores (Amazon S3,
// Cloudflare R2, Scaleway, OVH, MinIO, Garage…): enough to publish the
// status page's static export — put, get and delete objects — signed with
// AWS Signature Version 4, with a timeout on every request and a bounded
// number of retries.
package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/awssig"
)

// Options configure a Client.
type Options struct {
	// Endpoint is the store's base URL ("https://s3.eu-west-3.amazonaws.com",
	// "http://127.0.0.1:9000").
	Endpoint string
	Region   string
	Bucket   string
	// Prefix is prepended to every key ("status/").
	Prefix string
	// PathStyle addresses the bucket as Endpoint/Bucket/key instead of
	// Bucket.host/key (most self-hosted stores need it).
	PathStyle bool
	AccessKey string
	SecretKey string
	// Timeout bounds each request (default 30 s); Attempts bounds tries
	// per operation (default 3).
	Timeout  time.Duration
	Attempts int
	Client   *http.Client
}

// ParseURL reads a bucket URL of the form
// s3://BUCKET/PREFIX?endpoint=URL&region=REGION&path_style=true
// (endpoint defaults to Amazon S3 in region; region to us-east-1).
func ParseURL(raw string) (Options, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Options{}, fmt.Errorf("s3: %q is not a bucket URL: want s3://BUCKET/PREFIX?endpoint=URL&region=REGION", raw)
	}
	q := u.Query()
	o := Options{Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/"), Region: q.Get("region"), Endpoint: q.Get("endpoint")}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Endpoint == "" {
		o.Endpoint = "https://s3." + o.Region + ".amazonaws.com"
	}
	switch q.Get("path_style") {
	case "", "false", "0":
	case "true", "1":
		o.PathStyle = true
	default:
		return Options{}, fmt.Errorf("s3: path_style=%q: want true or false", q.Get("path_style"))
	}
	if o.Prefix != "" && !strings.HasSuffix(o.Prefix, "/") {
		o.Prefix += "/"
	}
	return o, nil
}

// Client talks to one bucket.
type Client struct {
	o        Options
	endpoint *url.URL
	client   *http.Client
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
}

// New returns a Client, or an error naming what is missing.
func New(o Options) (*Client, error) {
	ep, err := url.Parse(o.Endpoint)
	if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" {
		return nil, fmt.Errorf("s3: endpoint %q: want an http(s) URL", o.Endpoint)
	}
	switch {
	case o.Bucket == "":
		return nil, errors.New("s3: bucket is required")
	case o.AccessKey == "" || o.SecretKey == "":
		return nil, errors.New("s3: access key and secret key are required (s3_access_key_id and s3_secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	case o.Region == "":
		o.Region = "us-east-1"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	c := o.Client
	if c == nil {
		c = &http.Client{}
	}
	return &Client{o: o, endpoint: ep, client: c, now: time.Now, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Error is an answer other than 2xx, with S3's error code when it sent one.
type Error struct {
	Status  int
	Code    string
	Message string
	Op      string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("s3: %s: %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("s3: no such key")

func (c *Client) objectURL(key string) *url.URL {
	u := *c.endpoint
	full := c.o.Prefix + key
	if c.o.PathStyle {
		u.Path = strings.TrimRight(u.Path, "/") + "/" + c.o.Bucket + "/" + full
	} else {
		u.Host = c.o.Bucket + "." + u.Host
		u.Path = strings.TrimRight(u.Path, "/") + "/" + full
	}
	return &u
}

// Put stores body at key with its content type and cache policy.
func (c *Client) Put(ctx context.Context, key string, body []byte, contentType, cacheControl string) error {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if cacheControl != "" {
		h.Set("Cache-Control", cacheControl)
	}
	_, _, err := c.do(ctx, "put "+key, http.MethodPut, key, h, body)
	return err
}

// Get returns the object at key and its headers.
func (c *Client) Get(ctx context.Context, key string) ([]byte, http.Header, error) {
	return c.do(ctx, "get "+key, http.MethodGet, key, nil, nil)
}

// Delete removes the object at key (a missing key is not an error).
func (c *Client) Delete(ctx context.Context, key string) error {
	_, _, err := c.do(ctx, "delete "+key, http.MethodDelete, key, nil, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// do runs one operation with up to Attempts tries: network errors, 429
// and 5xx are retried after an exponential, jittered pause.
func (c *Client) do(ctx context.Context, op, method, key string, h http.Header, body []byte) ([]byte, http.Header, error) {
	payloadHash := awssig.PayloadHash(body)
	var last error
	for attempt := range c.o.Attempts {
		if attempt > 0 {
			pause := time.Duration(200<<(attempt-1)) * time.Millisecond
			pause += time.Duration(rand.Int64N(int64(pause)))
			if err := c.sleep(ctx, pause); err != nil {
				return nil, nil, err
			}
		}
		out, hdr, retry, err := c.once(ctx, op, method, key, h, body, payloadHash)
		if err == nil || !retry {
			return out, hdr, err
		}
		last = err
	}
	return nil, nil, fmt.Errorf("%w (after %d attempts)", last, c.o.Attempts)
}

func (c *Client) once(ctx context.Context, op, method, key string, h http.Header, body []byte, payloadHash string) ([]byte, http.Header, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.objectURL(key).String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, false, fmt.Errorf("s3: %s: %w", op, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if method != http.MethodPut {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	awssig.Sign(req, awssig.Credentials{AccessKeyID: c.o.AccessKey, SecretAccessKey: c.o.SecretKey}, c.o.Region, "s3", payloadHash, c.now())
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, ctx.Err() == nil || errors.Is(err, context.DeadlineExceeded), fmt.Errorf("s3: %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, true, fmt.Errorf("s3: %s: read answer: %w", op, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, resp.Header, false, nil
	}
	e := &Error{Status: resp.StatusCode, Op: op}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(data, &x) == nil {
		e.Code, e.Message = x.Code, x.Message
	}
	if resp.StatusCode == http.StatusNotFound && (e.Code == "NoSuchKey" || method != http.MethodPut && e.Code == "") {
		return nil, nil, false, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return nil, nil, resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500, e
}
