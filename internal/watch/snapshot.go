package watch

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
)

// Snapshots keep what the detection stage has learned across restarts:
// for every series its identity, first/last sample time, sample count and
// the detector's state (when the Scorer is an encoding.BinaryMarshaler).
// Samples themselves are not stored. The file is written atomically
// (temporary file, fsync, rename).

const snapshotMagic = "tend-watch-snapshot-1\n"

// maxSnapshotString bounds strings read back, against a corrupt file.
const maxSnapshotString = 1 << 16

// WriteSnapshot writes every series' state to out. It holds a shard's
// lock only while it lists the shard's series and, in chunks of
// snapshotChunk series, while it encodes them into memory, so detection
// goes on while a large snapshot is written.
func (w *Watcher) WriteSnapshot(out io.Writer) (int, error) {
	bw := bufio.NewWriter(out)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return 0, err
	}
	n := 0
	var buf bytes.Buffer
	type ref struct {
		h  uint64
		st *state
	}
	var refs []ref
	for _, sh := range w.shards {
		refs = refs[:0]
		sh.smu.Lock()
		for h, st := range sh.series {
			refs = append(refs, ref{h, st})
		}
		sh.smu.Unlock()
		for len(refs) > 0 {
			chunk := refs[:min(snapshotChunk, len(refs))]
			refs = refs[len(chunk):]
			buf.Reset()
			e := &snapWriter{w: &buf}
			sh.smu.Lock()
			for _, r := range chunk {
				if err := e.record(r.h, r.st); err != nil {
					sh.smu.Unlock()
					return n, err
				}
			}
			sh.smu.Unlock()
			if _, err := bw.Write(buf.Bytes()); err != nil {
				return n, err
			}
			n += len(chunk)
		}
	}
	e := &snapWriter{w: bw}
	e.u64(0) // end
	if e.err != nil {
		return n, e.err
	}
	return n, bw.Flush()
}

// snapshotChunk is how many series are encoded per lock hold.
const snapshotChunk = 256

// record encodes one series.
func (e *snapWriter) record(h uint64, st *state) error {
	e.u64(1) // a record follows
	e.u64(h)
	e.str(st.info.Metric)
	e.u64(uint64(len(st.info.Labels)))
	for k, v := range st.info.Labels {
		e.str(k)
		e.str(v)
	}
	e.u64(uint64(st.firstMs))
	e.u64(uint64(st.lastMs))
	e.u64(uint64(st.prevMs))
	e.u64(st.n)
	e.u64(math.Float64bits(st.last))
	flags := uint64(0)
	if st.counter {
		flags |= 1
	}
	e.u64(flags)
	var state []byte
	if m, ok := st.scorer.(encoding.BinaryMarshaler); ok && st.scorer != nil {
		b, err := m.MarshalBinary()
		if err != nil {
			return fmt.Errorf("snapshot detector of series %s: %w", st.info.ID, err)
		}
		state = b
	}
	e.bytes(state)
	return e.err
}

// ReadSnapshot restores series state written by WriteSnapshot. Call it
// before Run. Series are re-described with the current Mapper (so changed
// coverage or stack mappings apply); a detector state the current Scorer
// cannot read is dropped and that series learns afresh.
func (w *Watcher) ReadSnapshot(in io.Reader) (int, error) {
	if w.running.Load() {
		return 0, errors.New("watch: ReadSnapshot after Run")
	}
	d := &snapReader{r: bufio.NewReader(in)}
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(d.r, magic); err != nil || string(magic) != snapshotMagic {
		return 0, errors.New("not a tend detection snapshot (wrong header)")
	}
	n := 0
	for {
		if d.u64() == 0 || d.err != nil {
			break
		}
		h := d.u64()
		metric := d.str()
		nl := d.u64()
		if nl > 1024 {
			return n, fmt.Errorf("corrupt snapshot: series with %d labels", nl)
		}
		labels := make([]ingest.Label, 0, nl)
		for range nl {
			labels = append(labels, ingest.Label{Name: d.str(), Value: d.str()})
		}
		first, last, prev, count := int64(d.u64()), int64(d.u64()), int64(d.u64()), d.u64()
		lastV := math.Float64frombits(d.u64())
		flags := d.u64()
		state := d.bytes()
		if d.err != nil {
			return n, fmt.Errorf("corrupt snapshot after %d series: %w", n, d.err)
		}
		ingest.SortLabels(labels)
		if series.Hash(metric, labels) != h {
			return n, fmt.Errorf("corrupt snapshot: series %d does not match its ID", n)
		}
		if w.nSeries.Load() >= int64(w.o.MaxSeries) {
			break
		}
		st := w.newState(h, metric, labels, flags&1 != 0, first)
		st.lastMs, st.prevMs, st.n, st.last = last, prev, count, lastV
		st.seen = w.o.Now().UnixMilli() // a restored series gets a full TTL to send again
		if u, ok := st.scorer.(encoding.BinaryUnmarshaler); ok && len(state) > 0 {
			if err := u.UnmarshalBinary(state); err != nil {
				st.scorer = w.o.NewScorer()
			}
		}
		sh := w.shards[h%uint64(len(w.shards))]
		if _, dup := sh.series[h]; !dup {
			sh.series[h] = st
			w.nSeries.Add(1)
			n++
		}
	}
	if d.err != nil {
		return n, fmt.Errorf("corrupt snapshot after %d series: %w", n, d.err)
	}
	return n, nil
}

// SaveSnapshot writes the snapshot to path atomically.
func (w *Watcher) SaveSnapshot(path string) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".watch-snapshot-*")
	if err != nil {
		return 0, fmt.Errorf("save detection snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := w.WriteSnapshot(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("save detection snapshot %s: %w", path, err)
	}
	return n, nil
}

// LoadSnapshot restores from path; a missing file is not an error.
func (w *Watcher) LoadSnapshot(path string) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load detection snapshot: %w", err)
	}
	defer f.Close()
	n, err := w.ReadSnapshot(f)
	if err != nil {
		return n, fmt.Errorf("load detection snapshot %s: %w", path, err)
	}
	return n, nil
}

type snapWriter struct {
	w   io.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *snapWriter) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
func (e *snapWriter) u64(v uint64) { e.raw(e.buf[:binary.PutUvarint(e.buf[:], v)]) }
func (e *snapWriter) str(s string) { e.u64(uint64(len(s))); e.raw([]byte(s)) }
func (e *snapWriter) bytes(b []byte) {
	e.u64(uint64(len(b)))
	e.raw(b)
}

type snapReader struct {
	r   *bufio.Reader
	err error
}

func (d *snapReader) u64() uint64 {
	if d.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(d.r)
	if err != nil {
		d.err = err
	}
	return v
}

func (d *snapReader) bytes() []byte {
	n := d.u64()
	if d.err != nil {
		return nil
	}
	if n > maxSnapshotString {
		d.err = fmt.Errorf("field of %d bytes", n)
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.err = err
	}
	return b
}

func (d *snapReader) str() string { return string(d.bytes()) }
