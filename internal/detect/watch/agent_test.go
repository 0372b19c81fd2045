package watch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
)

// instantClock is the real time, except that waits end at once and are
// recorded, so backoff is checked without sleeping.
type instantClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *instantClock) Now() time.Time { return time.Now() }

func (c *instantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

// fakeServer answers pushes with the statuses given, then 200, and
// records the batches it accepted.
type fakeServer struct {
	mu       sync.Mutex
	statuses []int
	got      []Batch
	auth     []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if len(f.statuses) > 0 {
		code := f.statuses[0]
		f.statuses = f.statuses[1:]
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"error":{"code":"x","message":"refused for the test"}}`))
		return
	}
	var b Batch
	_ = json.NewDecoder(r.Body).Decode(&b)
	f.got = append(f.got, b)
	_, _ = w.Write([]byte(`{"accepted":1}`))
}

func newTestAgent(t *testing.T, f *fakeServer) (*Agent, *instantClock) {
	t.Helper()
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	clk := &instantClock{}
	return &Agent{Server: hs.URL + "/", Token: "vigie_secret", Name: "paris-1", MaxPending: 3, Clock: clk}, clk
}

func result(i int) probe.Result {
	return probe.Result{Probe: "whatsapp/tcp/" + string(rune('a'+i)), Family: probe.FamilyTCP, Dependency: "whatsapp", Start: time.Now(), OK: true}
}

func TestAgentKeepsTheNewestAndRetriesWithBackoff(t *testing.T) {
	f := &fakeServer{statuses: []int{503, 502}}
	a, clk := newTestAgent(t, f)
	a.defaults()
	for i := range 5 {
		a.add(result(i))
	}
	if st := a.Stats(); st.Pending != 3 || st.Dropped != 2 {
		t.Fatalf("after 5 results with room for 3: %+v", st)
	}
	if refetch := a.Flush(context.Background()); refetch {
		t.Fatal("a server error asked for the configuration again")
	}
	if st := a.Stats(); st.Pushed != 3 || st.Pending != 0 {
		t.Fatalf("after two failures and a success: %+v", st)
	}
	if len(clk.waits) != 2 || clk.waits[0] != time.Second || clk.waits[1] != 2*time.Second {
		t.Fatalf("backoff waits: %v", clk.waits)
	}
	if len(f.got) != 1 || f.got[0].Agent != "paris-1" || len(f.got[0].Results) != 3 || f.got[0].Results[0].Probe != "whatsapp/tcp/c" {
		t.Fatalf("pushed: %+v", f.got)
	}
	if f.auth[0] != "Bearer vigie_secret" {
		t.Fatalf("authorization: %q", f.auth[0])
	}
}

func TestAgentGivesUpAfterRetriesAndKeepsResults(t *testing.T) {
	f := &fakeServer{statuses: []int{503, 503, 503, 503}}
	a, _ := newTestAgent(t, f)
	a.defaults()
	a.add(result(0))
	a.Flush(context.Background())
	if st := a.Stats(); st.Pending != 1 || st.Pushed != 0 || len(f.auth) != 3 {
		t.Fatalf("after 3 failed tries: %+v, %d calls", st, len(f.auth))
	}
	a.Flush(context.Background())
	if st := a.Stats(); st.Pending != 0 || st.Pushed != 1 {
		t.Fatalf("next period: %+v", st)
	}
}

func TestAgentDropsRefusedBatchAndOldResults(t *testing.T) {
	f := &fakeServer{statuses: []int{422}}
	a, _ := newTestAgent(t, f)
	a.defaults()
	old := result(0)
	old.Start = time.Now().Add(-MaxResultAge)
	a.add(old)
	a.add(result(1))
	if refetch := a.Flush(context.Background()); !refetch {
		t.Fatal("a refused batch should make the agent fetch the configuration again")
	}
	if st := a.Stats(); st.Rejected != 1 || st.Dropped != 1 || st.Pending != 0 || len(f.auth) != 1 {
		t.Fatalf("after a refused batch: %+v, %d calls", st, len(f.auth))
	}
}

func TestAgentStopsOnARefusedToken(t *testing.T) {
	f := &fakeServer{statuses: []int{401}}
	a, _ := newTestAgent(t, f)
	err := a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "vigie_secret") {
		t.Fatalf("Run with a refused token: %v", err)
	}
}

func TestVantageOf(t *testing.T) {
	for _, c := range []struct {
		r    probe.Result
		want string
	}{
		{probe.Result{Probe: "whatsapp/dns/g.whatsapp.net", Dependency: "whatsapp"}, "local"},
		{probe.Result{Probe: "controls/tcp/1.1.1.1:443", Dependency: "controls", Control: true}, "local"},
		{probe.Result{Probe: "paris-1/whatsapp/dns/g.whatsapp.net", Dependency: "whatsapp"}, "paris-1"},
		{probe.Result{Probe: "lyon/controls/tcp/1.1.1.1:443", Dependency: "controls", Control: true}, "lyon"},
	} {
		if got := VantageOf(c.r); got != c.want {
			t.Errorf("VantageOf(%s) = %s, want %s", c.r.Probe, got, c.want)
		}
	}
}
