package detect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// snapshotMagic starts every snapshot; the byte after it is the format
// version of the detector's state.
const snapshotMagic = "tdet"

// ErrSnapshot is returned when a snapshot cannot be restored: it is
// truncated, corrupt, or was taken by a different detector or version.
var ErrSnapshot = errors.New("invalid detector snapshot")

// marshalState encodes state, a pointer to a struct of fixed-size fields, as
// magic | kind | version | state | crc32.
func marshalState(kind string, version byte, state any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(snapshotMagic)
	b.WriteByte(byte(len(kind)))
	b.WriteString(kind)
	b.WriteByte(version)
	if err := binary.Write(&b, binary.LittleEndian, state); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", kind, err)
	}
	sum := crc32.ChecksumIEEE(b.Bytes())
	return binary.LittleEndian.AppendUint32(b.Bytes(), sum), nil
}

// unmarshalState decodes what marshalState wrote into state. It leaves state
// untouched on error.
func unmarshalState(data []byte, kind string, version byte, state any) error {
	head := len(snapshotMagic) + 1 + len(kind) + 1
	size := binary.Size(state)
	if len(data) != head+size+4 {
		return fmt.Errorf("%w: %d bytes, want %d for %s v%d", ErrSnapshot, len(data), head+size+4, kind, version)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrSnapshot)
	}
	if string(body[:len(snapshotMagic)]) != snapshotMagic ||
		int(body[len(snapshotMagic)]) != len(kind) ||
		string(body[len(snapshotMagic)+1:head-1]) != kind {
		return fmt.Errorf("%w: not a %s snapshot", ErrSnapshot, kind)
	}
	if body[head-1] != version {
		return fmt.Errorf("%w: %s state version %d, want %d", ErrSnapshot, kind, body[head-1], version)
	}
	if err := binary.Read(bytes.NewReader(body[head:]), binary.LittleEndian, state); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	return nil
}
