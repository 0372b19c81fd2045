// Package browsertest drives a real headless Chromium (Debian's chromium,
// through chromedp) for the console's and the status page's browser tests:
// every step is bounded, and screenshots go to $VIGIE_ARTIFACTS (default
// artifacts/browser at the module root).
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// StepTimeout bounds every single browser step.
const StepTimeout = 30 * time.Second

// chromiumPath is $VIGIE_CHROMIUM (which must then exist: CI sets it),
// else the first Chromium on PATH; without one the browser tests skip.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIE_CHROMIUM"); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("VIGIE_CHROMIUM=%s: %v", p, err)
		}
		return found
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set VIGIE_CHROMIUM; .ci/run does both")
	return ""
}

// NewBrowser starts Chromium for one test, each start bounded by 90 s.
// A start that fails is tried again, at most startAttempts times in all:
// with several test packages starting browsers at once, Chromium now and
// then exits before it listens, and that says nothing about our pages.
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	exe := ChromiumPath(t)
	var errs []error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		bctx, stop, err := startBrowser(exe)
		if err == nil {
			t.Cleanup(stop)
			return bctx
		}
		stop()
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		t.Logf("start %s, attempt %d: %v", exe, attempt, err)
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
	t.Fatalf("start %s: %v", exe, errors.Join(errs...))
	return nil
}

const startAttempts = 3

func startBrowser(exe string) (context.Context, func(), error) {
	overall, cancelOverall := context.WithTimeout(context.Background(), 90*time.Second)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		// The sandbox needs privileges CI containers (and root) lack; the
		// pages are our own.
		chromedp.NoSandbox,
		chromedp.WindowSize(1366, 900),
		chromedp.Flag("lang", "en-US"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(overall, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() { cancelBrowser(); cancelAlloc(); cancelOverall() }
	return bctx, stop, chromedp.Do(bctx) // starts the browser
}

// tab opens a new tab; with a new browser context it has its own cookies.
func Tab(t testing.TB, parent context.Context, ownCookies bool) context.Context {
	t.Helper()
	var opts []chromedp.ContextOption
	if ownCookies {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(parent, opts...)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// do runs steps within StepTimeout.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// navigate runs steps that load a page (a link, a form) and waits for it.
func Navigate(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, steps...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status >= 400 {
		t.Fatalf("%s: HTTP %d at %s", what, resp.Status, resp.URL)
	}
}

func Run[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is true, at most d.
func WaitJS(t testing.TB, ctx context.Context, what, expr string, d time.Duration) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, d+time.Second)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		t.Fatalf("%s: not true within %s (%s): %v", what, d, expr, err)
	}
}

// artifactsDir is $VIGIE_ARTIFACTS, else artifacts/browser at the module
// root.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VIGIE_ARTIFACTS")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				t.Fatal("module root not found")
			}
			root = parent
		}
		dir = filepath.Join(root, "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func Screenshot(t testing.TB, ctx context.Context, name string, width, height int64, opts ...chromedp.EmulateViewportOption) {
	t.Helper()
	Do(t, ctx, "set the viewport", chromedp.EmulateViewport(width, height, opts...))
	// Let the layout settle at the new width.
	WaitJS(t, ctx, "layout at the new width", fmt.Sprintf("window.innerWidth === %d", width), 5*time.Second)
	png := Run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(ArtifactsDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KiB)", path, len(png)>>10)
}
