package statuspage

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/s3"
)

// TestUploadToBucket mirrors the site to an S3-compatible server on
// loopback: everything on the first upload, only what changed afterwards.
func TestUploadToBucket(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("status"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(gofakes3.New(backend).Server())
	defer hs.Close()
	o, err := s3.ParseURL("s3://status/site?endpoint=" + hs.URL + "&path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	o.AccessKey, o.SecretKey = "AKIDTEST", "secret"
	bucket, err := s3.New(o)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	ctx := context.Background()
	known := map[string]string{}
	n, err := f.page.Snapshot().Upload(ctx, bucket, known)
	if err != nil || n < 15 {
		t.Fatalf("first upload: %d objects, %v", n, err)
	}
	for key, want := range map[string]string{"index.html": "<!doctype html>", "fr/index.html": `lang="fr"`, "api/v2/summary.json": `"indicator":"none"`, "history.rss": "<rss"} {
		body, _, err := bucket.Get(ctx, key)
		if err != nil || !strings.Contains(string(body), want) {
			t.Errorf("%s in the bucket: %v %.80q", key, err, body)
		}
	}
	if n, err := f.page.Snapshot().Upload(ctx, bucket, known); err != nil || n != 0 {
		t.Fatalf("unchanged snapshot uploaded %d objects (%v)", n, err)
	}
	f.outage(t)
	n, err = f.page.Snapshot().Upload(ctx, bucket, known)
	if err != nil || n == 0 || n > 20 {
		t.Fatalf("upload after the outage: %d objects, %v", n, err)
	}
	if body, _, _ := bucket.Get(ctx, "api/v2/summary.json"); !strings.Contains(string(body), `"indicator":"critical"`) {
		t.Fatalf("summary.json in the bucket after the outage: %s", body)
	}
	if body, _, _ := bucket.Get(ctx, "assets/live.js"); len(body) == 0 {
		t.Fatal("asset missing from the bucket")
	}

	// Through a server: Refresh hands the snapshot to the upload loop.
	page := New(Options{Source: f.src, Plan: func() *plan.Plan { return f.plan }, BaseURL: "https://status.cafe-express.fr", Now: func() time.Time { return fixedNow },
		Bucket: bucket})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go page.uploadLoop(runCtx)
	if err := page.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, _, err := bucket.Get(ctx, "en/index.html")
		if err == nil && strings.Contains(string(body), "Ongoing incident") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload loop did not mirror the outage page: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type memCards map[string][]byte

func (m memCards) Get(_ context.Context, name string) ([]byte, error) {
	if b, ok := m[name]; ok {
		return b, nil
	}
	return nil, errors.New("no such card")
}

func TestCardsAreServed(t *testing.T) {
	f := newFixture(t)
	name := strings.Repeat("ab", 32)
	png := []byte("\x89PNG\r\n\x1a\n fake")
	f.page.SetCards(memCards{name: png})
	resp, body := get(t, f.url+"/cards/"+name+".png")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || string(body) != string(png) || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("card: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	for _, bad := range []string{strings.Repeat("cd", 32) + ".png", name + ".gif", "../etc.png", strings.ToUpper(name) + ".png"} {
		if resp, _ := get(t, f.url+"/cards/"+bad); resp.StatusCode != 404 {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}
}
