package nab

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is the timestamp format of NAB data files. Fractional seconds
// ("2014-04-10 07:15:00.000000", as in the label files) are accepted too.
const TimeLayout = "2006-01-02 15:04:05"

// MaxRows bounds the number of rows read from one CSV file, so a corrupt or
// hostile input cannot exhaust memory. NAB's largest file has 22,695 rows.
const MaxRows = 5_000_000

// maxLine bounds one CSV line in bytes.
const maxLine = 64 << 10

// Series is one data file: its rows in file order.
type Series struct {
	Times  []time.Time
	Values []float64
}

// Len returns the number of rows.
func (s *Series) Len() int { return len(s.Values) }

// ReadSeries reads a NAB data file (header "timestamp,value", one row per
// sample). Columns are found by header name; other columns are ignored.
// Every error names the line and the field at fault.
func ReadSeries(r io.Reader) (*Series, error) {
	cr := newReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", emptyIsEOF(err))
	}
	tcol, vcol := column(head, "timestamp"), column(head, "value")
	if tcol < 0 || vcol < 0 {
		return nil, fmt.Errorf("header %q: need columns \"timestamp\" and \"value\"", strings.Join(head, ","))
	}
	s := &Series{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(s.Values) >= MaxRows {
			return nil, fmt.Errorf("line %d: more than %d rows", line, MaxRows)
		}
		ts, err := time.Parse(TimeLayout, strings.TrimSpace(rec[tcol]))
		if err != nil {
			return nil, fmt.Errorf("line %d: timestamp %q: want YYYY-MM-DD HH:MM:SS", line, rec[tcol])
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[vcol]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("line %d: value %q: want a finite number", line, rec[vcol])
		}
		s.Times = append(s.Times, ts)
		s.Values = append(s.Values, v)
	}
}

// ReadScores reads the anomaly_score column of a detector results file (NAB
// layout: a header naming "anomaly_score", one row per data row). Scores must
// be finite numbers; the scorer does not require them to lie in [0,1], as
// NAB's own scorer does not.
func ReadScores(r io.Reader) ([]float64, error) {
	cr := newReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", emptyIsEOF(err))
	}
	col := column(head, "anomaly_score")
	if col < 0 {
		return nil, fmt.Errorf("header %q: no \"anomaly_score\" column", strings.Join(head, ","))
	}
	var out []float64
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(out) >= MaxRows {
			return nil, fmt.Errorf("line %d: more than %d rows", line, MaxRows)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[col]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("line %d: anomaly_score %q: want a finite number", line, rec[col])
		}
		out = append(out, v)
	}
}

func newReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReader(&lineLimiter{r: r}))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0 // every row as wide as the header
	return cr
}

// lineLimiter fails a read once a line grows past maxLine bytes, so one
// endless line cannot exhaust memory in the csv reader.
type lineLimiter struct {
	r   io.Reader
	run int
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.run = 0
			continue
		}
		l.run++
		if l.run > maxLine {
			return 0, fmt.Errorf("line longer than %d bytes", maxLine)
		}
	}
	return n, err
}

func column(head []string, name string) int {
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == name {
			return i
		}
	}
	return -1
}

func emptyIsEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("empty file")
	}
	return err
}
