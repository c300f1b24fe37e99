package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"
)

// loadShape is the synthetic fleet the ingest benchmark sends: Series
// series of 100 metrics per host (node_exporter-like names and labels, a
// tenth of them counters), PerRequest series to a remote_write request,
// each with SamplesPerSeries consecutive samples one second apart.
type loadShape struct {
	Series, PerRequest, SamplesPerSeries int
}

const loadMetricsPerHost = 100

// loadSeriesLabels returns series i's labels, sorted by name (__name__
// first), as remote_write sends them.
func loadSeriesLabels(i int) [][2]string {
	host := i / loadMetricsPerHost
	m := i % loadMetricsPerHost
	name := "bench_node_gauge_" + strconv.Itoa(m)
	if m%10 == 0 {
		name = "bench_node_events_" + strconv.Itoa(m) + "_total"
	}
	return [][2]string{
		{"__name__", name},
		{"instance", fmt.Sprintf("10.%d.%d.%d:9100", host/62500, host/250%250, host%250)},
		{"job", "node"},
		{"region", "eu-west-" + strconv.Itoa(1+host%3)},
		{"stack", "shop-" + strconv.Itoa(host%20)},
	}
}

// loader builds and sends remote_write requests for a loadShape. Request
// g of the run is group g % groups (a fixed slice of the series) at round
// g / groups, so every series' timestamps only move forward.
type loader struct {
	shape  loadShape
	labels [][]byte // each series' encoded Label fields
	groups int
	t0     int64 // Unix ms of the first sample
}

func newLoader(shape loadShape, t0 time.Time) *loader {
	l := &loader{shape: shape, t0: t0.UnixMilli()}
	l.groups = (shape.Series + shape.PerRequest - 1) / shape.PerRequest
	l.labels = make([][]byte, shape.Series)
	for i := range shape.Series {
		var b []byte
		for _, kv := range loadSeriesLabels(i) {
			var lb []byte
			lb = protowire.AppendTag(lb, 1, protowire.BytesType)
			lb = protowire.AppendString(lb, kv[0])
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, kv[1])
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendBytes(b, lb)
		}
		l.labels[i] = b
	}
	return l
}

// request encodes request g: its snappy-compressed body and its samples.
func (l *loader) request(g int64, raw, ts []byte) (body []byte, samples int, rawOut []byte) {
	group, round := int(g%int64(l.groups)), int(g/int64(l.groups))
	raw = raw[:0]
	lo := group * l.shape.PerRequest
	hi := min(lo+l.shape.PerRequest, l.shape.Series)
	for i := lo; i < hi; i++ {
		ts = append(ts[:0], l.labels[i]...)
		for j := range l.shape.SamplesPerSeries {
			k := round*l.shape.SamplesPerSeries + j
			v := float64(i%97) + 0.25*float64(k%7) + math.Sin(float64(k)/30)
			if i%10 == 0 {
				v = float64(k * (1 + i%5)) // a counter
			}
			var sb [20]byte
			s := protowire.AppendTag(sb[:0], 1, protowire.Fixed64Type)
			s = protowire.AppendFixed64(s, math.Float64bits(v))
			s = protowire.AppendTag(s, 2, protowire.VarintType)
			s = protowire.AppendVarint(s, uint64(l.t0+int64(k)*1000))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, s)
			samples++
		}
		raw = protowire.AppendTag(raw, 1, protowire.BytesType)
		raw = protowire.AppendBytes(raw, ts)
	}
	return snappy.Encode(nil, raw), samples, raw
}

// loadResult is what one run of the loader against one receiver saw.
type loadResult struct {
	Offered, Accepted, Refused, Failed int64 // samples
	Requests, Status429, Waited        int64
	Elapsed                            time.Duration
	// LatencyP50/P99 are of accepted requests.
	LatencyP50, LatencyP99 time.Duration
	FirstError             string
}

// runLoad sends requests to url from senders goroutines for d (after one
// unmeasured round that creates every series), at rate samples/s in total
// when rate > 0. A refused request (429) is counted, not retried: the
// refused share is what a sender that does not retry would lose.
func runLoad(ctx context.Context, l *loader, url, key string, senders, rate int, d, timeout time.Duration) (loadResult, error) {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders, DisableCompression: true}}
	defer client.CloseIdleConnections()
	send := func(body []byte) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
		req.Header.Set("User-Agent", "tend-bench-ingest")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// Warm-up: every series once, sequentially enough not to overload.
	var next atomic.Int64
	var wg sync.WaitGroup
	var warmErr atomic.Value
	for range senders {
		wg.Go(func() {
			var raw, ts []byte
			for {
				g := next.Add(1) - 1
				if g >= int64(l.groups) || ctx.Err() != nil {
					return
				}
				var body []byte
				body, _, raw = l.request(g, raw, ts)
				for {
					code, err := send(body)
					if err != nil {
						warmErr.Store(err.Error())
						return
					}
					if code == http.StatusTooManyRequests {
						time.Sleep(100 * time.Millisecond)
						continue
					}
					if code/100 != 2 {
						warmErr.Store(fmt.Sprintf("warm-up request answered %d", code))
					}
					break
				}
			}
		})
	}
	wg.Wait()
	if e, ok := warmErr.Load().(string); ok {
		return loadResult{}, fmt.Errorf("create the series: %s", e)
	}

	var res loadResult
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	deadline := start.Add(d)
	var offered atomic.Int64
	// Each sender owns a fixed share of the groups and sends them round
	// after round, as Prometheus' queue manager shards series: a series'
	// samples arrive in order (Prometheus refuses out-of-order ones).
	for s := range min(senders, l.groups) {
		var own []int64
		for g := s; g < l.groups; g += senders {
			own = append(own, int64(g))
		}
		wg.Go(func() {
			var raw, ts []byte
			var mine []time.Duration
			var r loadResult
			for j := int64(0); ctx.Err() == nil && time.Now().Before(deadline); j++ {
				g := (1+j/int64(len(own)))*int64(l.groups) + own[j%int64(len(own))]
				var body []byte
				var n int
				body, n, raw = l.request(g, raw, ts)
				if rate > 0 {
					// pace: this request may leave when the samples before it are due
					due := start.Add(time.Duration(float64(offered.Add(int64(n))-int64(n)) / float64(rate) * float64(time.Second)))
					if w := time.Until(due); w > 0 {
						time.Sleep(w)
					}
					if time.Now().After(deadline) {
						break
					}
				}
				t := time.Now()
				code, err := send(body)
				el := time.Since(t)
				r.Requests++
				r.Offered += int64(n)
				switch {
				case err != nil:
					r.Failed += int64(n)
					if r.FirstError == "" && ctx.Err() == nil {
						r.FirstError = err.Error()
					}
				case code/100 == 2:
					r.Accepted += int64(n)
					mine = append(mine, el)
					if el > 50*time.Millisecond {
						r.Waited++
					}
				case code == http.StatusTooManyRequests:
					r.Refused += int64(n)
					r.Status429++
				default:
					r.Failed += int64(n)
					if r.FirstError == "" {
						r.FirstError = "status " + strconv.Itoa(code)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Offered += r.Offered
			res.Accepted += r.Accepted
			res.Refused += r.Refused
			res.Failed += r.Failed
			res.Requests += r.Requests
			res.Status429 += r.Status429
			res.Waited += r.Waited
			if res.FirstError == "" {
				res.FirstError = r.FirstError
			}
			lat = append(lat, mine...)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.LatencyP50 = lat[len(lat)/2]
		res.LatencyP99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if res.Accepted == 0 {
		return res, errors.New("no request was accepted: " + res.FirstError)
	}
	return res, nil
}
