package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/ingest/replay"
)

var _ = registerCommand(newReplayCmd)

type replayOpts struct {
	metric, serverURL, apiKey string
	labels                    []string
	batch                     int
	shiftToNow, noProgress    bool
}

func newReplayCmd(g *globals) *cobra.Command {
	var o replayOpts
	cmd := &cobra.Command{
		Use:   "replay FILE.csv --metric NAME [--label k=v …]",
		Short: "Feed a CSV time series to a running tend, as if it were live metrics",
		Long: `Read a CSV of timestamp,value rows (NAB's format, RFC 3339 or Unix seconds;
header optional) and send it to a running tend over HTTP, through the same
path as Prometheus remote_write (POST /api/v1/write), so the series is
identified, baselined and scored exactly like live metrics.

The whole file is checked first: a malformed row stops replay before anything
is sent, naming the line. When tend answers 429 (overloaded), replay waits as
told by Retry-After and resends; nothing is skipped.`,
		Example: `  export TEND_API_KEY=$(tend apikey create --name replay)
  tend replay data/realKnownCause/machine_temperature_system_failure.csv \
    --metric machine_temperature --label host=plant-1 --label stack=factory

  # re-time the file so that its last row is now (demos)
  tend replay cpu.csv --metric host_cpu_utilization --label host=web-1 --shift-to-now`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := g.serverURL(cmd, o.serverURL)
			if err != nil {
				return err
			}
			if o.apiKey == "" {
				o.apiKey, _ = g.lookupEnv("TEND_API_KEY")
			}
			if o.apiKey == "" {
				return errors.New("an API key is required: pass --api-key or set TEND_API_KEY (create one with `tend apikey create --name replay`)")
			}
			return runReplay(cmd.Context(), cmd.ErrOrStderr(), args[0], base, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.metric, "metric", "", "metric name of the series (required)")
	f.StringArrayVar(&o.labels, "label", nil, "label of the series, k=v (repeatable)")
	f.StringVar(&o.serverURL, "url", "", "tend's URL (default from server.listen, or TEND_URL)")
	f.StringVar(&o.apiKey, "api-key", "", "API key (default TEND_API_KEY)")
	f.IntVar(&o.batch, "batch", 2000, "samples per request (1 to 100000)")
	f.BoolVar(&o.shiftToNow, "shift-to-now", false, "move every timestamp so the last row is now, keeping the spacing")
	f.BoolVar(&o.noProgress, "no-progress", false, "no progress bar")
	_ = cmd.MarkFlagRequired("metric")
	return cmd
}

func runReplay(ctx context.Context, stderr io.Writer, path, base string, o replayOpts) error {
	if !ingest.ValidMetricName(o.metric) {
		return fmt.Errorf("--metric %q is not a valid metric name", o.metric)
	}
	if o.batch < 1 || o.batch > 100_000 {
		return fmt.Errorf("--batch %d must be from 1 to 100000", o.batch)
	}
	var labels []ingest.Label
	seen := map[string]bool{}
	for _, kv := range o.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return fmt.Errorf("--label %q must be key=value", kv)
		}
		if seen[k] || k == "__name__" {
			return fmt.Errorf("--label %q: label %s is given twice or reserved", kv, k)
		}
		seen[k] = true
		labels = append(labels, ingest.Label{Name: k, Value: v})
	}
	ingest.SortLabels(labels)

	// Pass 1: check every row and find the time span.
	f, err := os.Open(path)
	if err != nil {
		return err // *PathError already says "open PATH: reason"
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	var rows int
	var lastMs int64
	if err := replay.Read(f, func(p replay.Point) error { rows++; lastMs = max(lastMs, p.TimeMs); return nil }); err != nil {
		return fmt.Errorf("%s: %w (nothing was sent)", path, err)
	}
	if rows == 0 {
		return fmt.Errorf("%s has no rows (nothing was sent)", path)
	}
	var shift int64
	if o.shiftToNow {
		shift = time.Now().UnixMilli() - lastMs
	}

	// Pass 2: send in batches.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind %s: %w", path, err)
	}
	bar := newProgress(stderr, "replay", "samples", rows, o.noProgress)
	client := &http.Client{Timeout: 60 * time.Second}
	sent := 0
	batch := make([]ingest.Sample, 0, o.batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := sendBatch(ctx, client, base, o.apiKey, batch); err != nil {
			return fmt.Errorf("%w (%d of %d rows were accepted before this)", err, sent, rows)
		}
		sent += len(batch)
		batch = batch[:0]
		bar.set(sent)
		return nil
	}
	err = replay.Read(f, func(p replay.Point) error {
		batch = append(batch, ingest.Sample{Metric: o.metric, Labels: labels, TimeMs: p.TimeMs + shift, Value: p.Value})
		if len(batch) == o.batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "Replayed %d samples of %s (%s) to %s.\n", sent, o.metric, humanBytes(st.Size()), base)
	return nil
}

// sendBatch posts one remote_write request, waiting and resending while
// tend answers 429/503 or cannot be reached, up to a limit.
func sendBatch(ctx context.Context, client *http.Client, base, key string, batch []ingest.Sample) error {
	body, err := remotewrite.Encode(batch)
	if err != nil {
		return err
	}
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/write", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("X-Prometheus-Remote-Write-Version", remotewrite.Version)
		req.Header.Set("User-Agent", "tend-replay")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		wait := backoff
		if err == nil {
			rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				return nil
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
				if s, e := strconv.Atoi(resp.Header.Get("Retry-After")); e == nil && s > 0 {
					wait = time.Duration(min(s, 60)) * time.Second
				}
				err = apiError(resp, rb)
			default:
				return apiError(resp, rb)
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		} else {
			err = fmt.Errorf("reach tend at %s: %w (is `tend serve` running? set --url)", base, err)
		}
		if attempt >= 30 {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
