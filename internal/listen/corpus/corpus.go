// Package corpus reads the labelled data sets of ../shared/data for training
// and evaluation. It is used by `vigie nlp train|eval`, tests and benchmarks,
// never by the classifiers themselves: no dataset text ends up in the repo.
package corpus

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Example is one labelled post.
type Example struct {
	Text  string
	Label string
	Lang  string // "fr", "en" or ""
	Group string // PHEME event, MLMA row id, data set name
}

// ErrNoData is returned when the shared data folder is missing.
var ErrNoData = errors.New("shared data not found (set VIGIE_SHARED_DATA or put the data in ../shared/data)")

// Dir returns the shared data folder: $VIGIE_SHARED_DATA, else ../shared/data
// next to the repository that contains the working directory.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("VIGIE_SHARED_DATA"); d != "" {
		if _, err := os.Stat(d); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoData, err)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "data")
			if _, err := os.Stat(p); err == nil {
				return filepath.Clean(p), nil
			}
			return "", ErrNoData
		}
		if filepath.Dir(d) == d {
			return "", ErrNoData
		}
	}
}

// readLines returns the lines of a file without trailing newline; a final
// empty line is dropped.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// textLabels reads the aligned NAME_text.txt and NAME_labels.txt of the
// cardiffnlp layouts, mapping label numbers through names.
func textLabels(dir, split string, names []string, lang, group string) ([]Example, error) {
	texts, err := readLines(filepath.Join(dir, split+"_text.txt"))
	if err != nil {
		return nil, err
	}
	labels, err := readLines(filepath.Join(dir, split+"_labels.txt"))
	if err != nil {
		return nil, err
	}
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("%s: %d texts but %d labels", dir, len(texts), len(labels))
	}
	out := make([]Example, 0, len(texts))
	for i, t := range texts {
		l := strings.TrimSpace(labels[i])
		if len(l) != 1 || l[0] < '0' || int(l[0]-'0') >= len(names) {
			return nil, fmt.Errorf("%s/%s_labels.txt:%d: bad label %q", dir, split, i+1, l)
		}
		out = append(out, Example{Text: t, Label: names[l[0]-'0'], Lang: lang, Group: group})
	}
	return out, nil
}

// SentimentLabels are the classes of the sentiment task, in file order.
var SentimentLabels = []string{"negative", "neutral", "positive"}

// UMSAB reads umsab-sentiment/<french|english>/<split>.
func UMSAB(data, lang, split string) ([]Example, error) {
	folder := map[string]string{"fr": "french", "en": "english"}[lang]
	return textLabels(filepath.Join(data, "umsab-sentiment", folder), split, SentimentLabels, lang, "umsab")
}

// TweetEval reads tweeteval/<task>/<split>; task is sentiment, hate or offensive.
func TweetEval(data, task, split string) ([]Example, error) {
	names := map[string][]string{
		"sentiment": SentimentLabels,
		"hate":      {"not-hate", "hate"},
		"offensive": {"not-offensive", "offensive"},
	}[task]
	if names == nil {
		return nil, fmt.Errorf("tweeteval: unknown task %q", task)
	}
	return textLabels(filepath.Join(data, "tweeteval", task), split, names, "en", "tweeteval-"+task)
}

// MLMA reads mlma-hate-fr-en/<lang>_dataset.csv; Label is the raw
// multi-label hostility string ("offensive_hateful", "normal", ...).
func MLMA(data, lang string) ([]Example, error) {
	path := filepath.Join(data, "mlma-hate-fr-en", lang+"_dataset.csv")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	var out []Example
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if first || len(rec) < 3 {
			continue
		}
		out = append(out, Example{Text: rec[1], Label: rec[2], Lang: lang, Group: rec[0]})
	}
	return out, nil
}

// PHEME reads pheme-rumour-en/pheme_source_tweets.tsv; Group is the event.
func PHEME(data string) ([]Example, error) {
	lines, err := readLines(filepath.Join(data, "pheme-rumour-en", "pheme_source_tweets.tsv"))
	if err != nil {
		return nil, err
	}
	var out []Example
	for i, l := range lines {
		if i == 0 || l == "" {
			continue
		}
		f := strings.SplitN(l, "\t", 6)
		if len(f) < 6 {
			return nil, fmt.Errorf("pheme line %d: %d fields", i+1, len(f))
		}
		out = append(out, Example{Text: f[5], Label: f[2], Lang: "en", Group: f[0]})
	}
	return out, nil
}

// VADERTweets reads vader-groundtruth-en/tweets_GroundTruth.txt with the
// paper's thresholds (mean/4 >= 0.05 positive, <= -0.05 negative).
func VADERTweets(data string) ([]Example, error) {
	return VADER(data, "tweets", 0.05)
}

// VADER reads vader-groundtruth-en/<name>_GroundTruth.txt (name: tweets,
// movieReviewSnippets, amazonReviewSnippets, nytEditorialSnippets): mean/4
// >= t is positive, <= -t negative, else neutral. Group is the name.
func VADER(data, name string, t float64) ([]Example, error) {
	lines, err := readLines(filepath.Join(data, "vader-groundtruth-en", name+"_GroundTruth.txt"))
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, l := range lines {
		f := strings.SplitN(l, "\t", 3)
		if len(f) < 3 {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(f[1], &v); err != nil {
			continue
		}
		lab := "neutral"
		switch {
		case v/4 >= t:
			lab = "positive"
		case v/4 <= -t:
			lab = "negative"
		}
		out = append(out, Example{Text: f[2], Label: lab, Lang: "en", Group: name})
	}
	return out, nil
}

// Lines reads a plain word list (one entry per line, blank lines skipped).
func Lines(path string) ([]string, error) {
	ls, err := readLines(path)
	if err != nil {
		return nil, err
	}
	out := ls[:0]
	for _, l := range ls {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}
