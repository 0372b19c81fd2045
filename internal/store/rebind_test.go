package store

import (
	"testing"
	"time"
)

func TestRebindDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ?", "a = $1"},
		{"INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"a = '?' AND b = ?", "a = '?' AND b = $1"},
		{`"we?ird" = ? AND c = 'it''s ?' AND d = ?`, `"we?ird" = $1 AND c = 'it''s ?' AND d = $2`},
		{"a = ? -- why?\nAND b = ?", "a = $1 -- why?\nAND b = $2"},
		{"a = 'unterminated ?", "a = 'unterminated ?"},
		{"x::text = ?", "x::text = $1"},
	}
	for _, tt := range tests {
		if got := rebindDollar(tt.in); got != tt.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := (&DB{dialect: SQLite}).Rebind("a = ?"); got != "a = ?" {
		t.Errorf("SQLite Rebind changed the query: %q", got)
	}
}

func TestScanTime(t *testing.T) {
	want := time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	tests := []struct {
		name string
		src  any
		want time.Time
		err  bool
	}{
		{"sqlite text", "2030-01-02T03:04:05.678901Z", want, false},
		{"bytes", []byte("2030-01-02T03:04:05.678901Z"), want, false},
		{"offset", "2030-01-02T04:04:05.678901+01:00", want, false},
		{"time", want.In(time.FixedZone("X", 3600)), want, false},
		{"null", nil, time.Time{}, false},
		{"garbage", "yesterday", time.Time{}, true},
		{"number", int64(3), time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Time
			err := ScanTime(&got).Scan(tt.src)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !tt.err && (!got.Equal(tt.want) || got.Location() != time.UTC) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if s := (&DB{dialect: SQLite}).TimeArg(want.Add(999)); s != "2030-01-02T03:04:05.678901Z" {
		t.Errorf("TimeArg = %v", s)
	}
}
