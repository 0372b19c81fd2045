package linear

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

const bundleMagic = "VGLB1\n"

// EncodeBundle writes several models (with one Meta for the bundle) into
// one file, in the order given.
func EncodeBundle(meta Meta, ms ...*Model) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(bundleMagic)
	putUvarint(&buf, uint64(len(ms)))
	for i, m := range ms {
		var mm Meta
		if i == 0 {
			mm = meta
		}
		b, err := m.Encode(mm)
		if err != nil {
			return nil, err
		}
		putUvarint(&buf, uint64(len(b)))
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// DecodeBundle reads a file written by EncodeBundle.
func DecodeBundle(b []byte) ([]*Model, Meta, error) {
	if !bytes.HasPrefix(b, []byte(bundleMagic)) {
		return nil, nil, errFormat
	}
	b = b[len(bundleMagic):]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 16 {
		return nil, nil, errFormat
	}
	b = b[k:]
	var out []*Model
	var meta Meta
	for i := 0; i < int(n); i++ {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, nil, fmt.Errorf("linear: bundle: %w", errShort)
		}
		m, mm, err := Decode(b[k : k+int(l)])
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			meta = mm
		}
		out = append(out, m)
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, nil, fmt.Errorf("linear: bundle: %d trailing bytes", len(b))
	}
	return out, meta, nil
}
