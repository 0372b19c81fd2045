package linear

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

const magic = "VGLM1\n"

// Meta holds named numbers saved with a model (thresholds tuned at training).
type Meta map[string]float64

// MarshalBinary encodes the model. Sparse weights are quantised to 16 bits
// with one scale for the model and stored as runs of empty buckets and
// non-empty rows; the dense part and the biases keep float32.
func (m *Model) MarshalBinary() ([]byte, error) { return m.Encode(nil) }

// Encode is MarshalBinary with metadata. Keys are written sorted so that the
// output is the same on every run.
func (m *Model) Encode(meta Meta) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(magic)
	putString(&buf, m.Name)
	putUvarint(&buf, uint64(len(m.Classes)))
	for _, c := range m.Classes {
		putString(&buf, c)
	}
	buf.WriteByte(m.Bits)
	putUvarint(&buf, uint64(m.Dense))
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	putUvarint(&buf, uint64(len(keys)))
	for _, k := range keys {
		putString(&buf, k)
		putFloat64(&buf, meta[k])
	}
	k := len(m.Classes)
	nb := 1 << m.Bits
	var maxAbs float64
	for _, w := range m.W[:nb*k] {
		maxAbs = max(maxAbs, math.Abs(float64(w)))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	putFloat64(&buf, scale)
	row := make([]int16, k)
	zeros := 0
	for b := 0; b < nb; b++ {
		nz := false
		for j := 0; j < k; j++ {
			row[j] = int16(math.Round(float64(m.W[b*k+j]) / scale))
			nz = nz || row[j] != 0
		}
		if !nz {
			zeros++
			continue
		}
		putUvarint(&buf, uint64(zeros))
		zeros = 0
		for _, q := range row {
			var two [2]byte
			binary.LittleEndian.PutUint16(two[:], uint16(q))
			buf.Write(two[:])
		}
	}
	putUvarint(&buf, uint64(zeros)) // trailing run, reaching nb
	for _, w := range m.W[nb*k:] {
		putFloat32(&buf, w)
	}
	for _, w := range m.Bias {
		putFloat32(&buf, w)
	}
	return buf.Bytes(), nil
}

// Decode reads a model written by Encode.
func Decode(b []byte) (*Model, Meta, error) {
	r := &reader{b: b}
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, nil, errFormat
	}
	r.i = len(magic)
	name := r.str()
	nc := int(r.uvarint())
	if nc < 2 || nc > 64 {
		return nil, nil, errFormat
	}
	classes := make([]string, nc)
	for i := range classes {
		classes[i] = r.str()
	}
	bits := r.byte()
	dense := int(r.uvarint())
	if r.err != nil || bits > 24 || dense > 1<<16 {
		return nil, nil, fmt.Errorf("linear: %w", errFormat)
	}
	meta := Meta{}
	for n := int(r.uvarint()); n > 0 && r.err == nil; n-- {
		k := r.str()
		meta[k] = r.float64()
	}
	m := New(name, classes, bits, dense)
	scale := r.float64()
	nb := 1 << bits
	b0 := 0
	for r.err == nil {
		b0 += int(r.uvarint())
		if b0 >= nb {
			break
		}
		for j := 0; j < nc; j++ {
			m.W[b0*nc+j] = float32(float64(int16(r.uint16())) * scale)
		}
		b0++
	}
	for i := nb * nc; i < len(m.W); i++ {
		m.W[i] = r.float32()
	}
	for i := range m.Bias {
		m.Bias[i] = r.float32()
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("linear: model %q: %w", name, r.err)
	}
	if r.i != len(b) {
		return nil, nil, fmt.Errorf("linear: model %q: %d trailing bytes", name, len(b)-r.i)
	}
	return m, meta, m.check()
}

func putUvarint(buf *bytes.Buffer, v uint64) {
	var tmp [binary.MaxVarintLen64]byte
	buf.Write(tmp[:binary.PutUvarint(tmp[:], v)])
}

func putString(buf *bytes.Buffer, s string) {
	putUvarint(buf, uint64(len(s)))
	buf.WriteString(s)
}

func putFloat64(buf *bytes.Buffer, f float64) {
	var tmp [8]byte
	binary.LittleEndian.PutUint64(tmp[:], math.Float64bits(f))
	buf.Write(tmp[:])
}

func putFloat32(buf *bytes.Buffer, f float32) {
	var tmp [4]byte
	binary.LittleEndian.PutUint32(tmp[:], math.Float32bits(f))
	buf.Write(tmp[:])
}

type reader struct {
	b   []byte
	i   int
	err error
}

var errShort = fmt.Errorf("truncated file")

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if r.i+n > len(r.b) {
		r.err = errShort
		return false
	}
	return true
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.i += n
	return v
}

func (r *reader) str() string {
	n := int(r.uvarint())
	if n > 1<<16 || !r.need(n) {
		r.err = errShort
		return ""
	}
	s := string(r.b[r.i : r.i+n])
	r.i += n
	return s
}

func (r *reader) byte() byte {
	if !r.need(1) {
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uint16() uint16 {
	if !r.need(2) {
		return 0
	}
	r.i += 2
	return binary.LittleEndian.Uint16(r.b[r.i-2:])
}

func (r *reader) float32() float32 {
	if !r.need(4) {
		return 0
	}
	r.i += 4
	return math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.i-4:]))
}

func (r *reader) float64() float64 {
	if !r.need(8) {
		return 0
	}
	r.i += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.i-8:]))
}
