namespace PdnColorize.Imaging;

/// <summary>
/// Walks the entropy-coded data of a sequential (baseline or extended Huffman) JPEG without decoding pixels, to tell
/// a damaged file from a good one. libjpeg only warns about corrupt scan data ("Corrupt JPEG data: ...") and Skia
/// discards its warnings, so a bit flip in the scan decodes to a garbled picture and a "success". A flipped bit
/// almost always breaks the Huffman stream: a code no table has, a run past the 64 coefficients of a block, a
/// restart marker out of order, or a scan whose data does not end where its last block does.
/// <para>Progressive and arithmetic-coded files are not walked (<see cref="Check"/> returns null for them); nor is
/// anything that is not a JPEG.</para>
/// </summary>
public static class JpegScanCheck
{
    /// <summary>Null when the file is fine or cannot be judged; otherwise the problem, phrased after "is damaged: ".</summary>
    public static string? Check(ReadOnlySpan<byte> jpeg)
    {
        try
        {
            return new Walker(jpeg.ToArray()).Run();
        }
        catch (Damage d)
        {
            return d.Message;
        }
    }

    /// <summary>The JPEG's sample precision from its frame header (8 or 12), or null when none is found.</summary>
    public static int? Precision(ReadOnlySpan<byte> jpeg)
    {
        for (int i = 2; i + 4 < jpeg.Length;)
        {
            if (jpeg[i] != 0xFF) return null;
            byte marker = jpeg[i + 1];
            if (marker == 0xFF) { i++; continue; }
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return i + 4 < jpeg.Length ? jpeg[i + 4] : null;
            if (marker == 0xDA) return null;
            i += 2 + length;
        }
        return null;
    }

    private sealed class Damage(string message) : Exception(message);

    private sealed class Huffman
    {
        private const int LookupBits = 9;

        // Canonical codes per length (libjpeg's maxcode / valptr scheme), and a table for the codes of up to 9 bits.
        private readonly int[] _maxCode = new int[18];
        private readonly int[] _valOffset = new int[18];
        private readonly byte[] _values;
        private readonly short[] _lookup = new short[1 << LookupBits]; // (length << 8) | symbol; 0 = longer code

        public Huffman(ReadOnlySpan<byte> counts, byte[] values)
        {
            _values = values;
            int code = 0, k = 0;
            for (int len = 1; len <= 16; len++)
            {
                _valOffset[len] = k - code;
                for (int i = 0; i < counts[len - 1]; i++, code++, k++)
                {
                    if (len > LookupBits || k >= values.Length) continue;
                    int first = code << (LookupBits - len), n = 1 << (LookupBits - len);
                    for (int j = 0; j < n && first + j < _lookup.Length; j++) _lookup[first + j] = (short)((len << 8) | values[k]);
                }
                _maxCode[len] = counts[len - 1] > 0 ? code - 1 : -1;
                code <<= 1;
            }
        }

        public int Decode(BitReader bits)
        {
            int entry = _lookup[bits.Peek(LookupBits)];
            if (entry != 0)
            {
                bits.Consume(entry >> 8);
                return entry & 0xFF;
            }
            int code = bits.Peek(16);
            for (int len = LookupBits + 1; len <= 16; len++)
            {
                int c = code >> (16 - len);
                if (c <= _maxCode[len])
                {
                    int index = c + _valOffset[len];
                    if ((uint)index >= (uint)_values.Length) break;
                    bits.Consume(len);
                    return _values[index];
                }
            }
            throw new Damage("its scan data holds a Huffman code its tables do not define.");
        }
    }

    /// <summary>Bits of entropy-coded data (0xFF 0x00 unstuffed), up to 64 at a time; a marker ends them.</summary>
    private sealed class BitReader(byte[] data, int start)
    {
        private int _pos = start;
        private ulong _acc;  // the next _count bits, at the top
        private int _count;
        private int _past;   // bits handed out past the data's end (zeros, as libjpeg would), an error when consumed

        /// <summary>Where the next unread byte is (after <see cref="Align"/>, the byte after the data read).</summary>
        public int Position => _pos;

        private void Fill()
        {
            while (_count <= 56)
            {
                if (_pos >= data.Length || (data[_pos] == 0xFF && (_pos + 1 >= data.Length || data[_pos + 1] != 0x00)))
                {
                    _past += 8; // marker or end: pad with zeros, flag them if used
                    _count += 8;
                    continue;
                }
                ulong b = data[_pos];
                _pos += b == 0xFF ? 2 : 1;
                _acc |= b << (56 - _count);
                _count += 8;
            }
        }

        public int Peek(int n)
        {
            if (_count < n) Fill();
            return (int)(_acc >> (64 - n));
        }

        public void Consume(int n)
        {
            if (_count < n) Fill();
            _acc <<= n;
            _count -= n;
            if (_past > _count) throw new Damage("its scan data ends (at a marker) before its last block.");
        }

        public int Bits(int n)
        {
            if (n == 0) return 0;
            int v = Peek(n);
            Consume(n);
            return v;
        }

        /// <summary>
        /// Drops the padding of the last byte, which the standard makes 1-bits (F.1.2.3), and gives back whole bytes
        /// read ahead, so <see cref="Position"/> is where the next marker must stand.
        /// </summary>
        public void Align()
        {
            int real = _count - _past, pad = real & 7;
            if (pad > 0 && (int)(_acc >> (64 - pad)) != (1 << pad) - 1)
                throw new Damage("its scan data does not end where its last block ends.");
            for (int unread = (real - pad) / 8; unread > 0; unread--)
            {
                _pos--;
                if (_pos > start && data[_pos] == 0x00 && data[_pos - 1] == 0xFF) _pos--; // a stuffed 0xFF counts once
            }
            _acc = 0;
            _count = 0;
            _past = 0;
        }

        public void Skip(int n) => _pos += n;
    }

    private sealed record Component(int Id, int H, int V, int Tq);

    /// <summary>
    /// The largest magnitude a DCT coefficient of 8-bit samples reaches (the DC of a block is 8 x its mean level,
    /// -1024..1016; the AC terms stay below about 930), with room for encoders that round generously.
    /// </summary>
    private const int CoefficientLimit = 1024 + 64;

    private sealed record BlockCoding(Huffman Dc, Huffman Ac, int[]? Quant, int Predictor);

    private sealed class Walker(byte[] d)
    {
        private readonly Huffman?[] _dc = new Huffman?[4], _ac = new Huffman?[4];
        private readonly int[]?[] _quant = new int[]?[4];
        private readonly List<Component> _components = [];
        private int _width, _height, _restart;
        private bool _sequential;

        public string? Run()
        {
            if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8) return null;
            int i = 2;
            bool sawScan = false;
            while (i + 1 < d.Length)
            {
                if (d[i] != 0xFF) return sawScan ? "it has data after its last scan that is not a marker." : null;
                byte marker = d[i + 1];
                if (marker == 0xFF) { i++; continue; }
                if (marker == 0xD9) return null; // EOI
                if (marker is >= 0xD0 and <= 0xD7) throw new Damage("a restart marker stands outside the scan data.");
                if (i + 3 >= d.Length) return null; // truncated: Skia reports that itself
                int length = (d[i + 2] << 8) | d[i + 3];
                if (length < 2 || i + 2 + length > d.Length) return null;
                var segment = d.AsSpan(i + 4, length - 2);
                switch (marker)
                {
                    case 0xC0 or 0xC1:
                        _sequential = true;
                        ReadFrame(segment);
                        break;
                    case >= 0xC2 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC:
                        return null; // progressive, lossless or arithmetic coding: not walked
                    case 0xC4:
                        ReadHuffman(segment);
                        break;
                    case 0xDB:
                        ReadQuant(segment);
                        break;
                    case 0xDD when segment.Length >= 2:
                        _restart = (segment[0] << 8) | segment[1];
                        break;
                    case 0xDA:
                        if (!_sequential) return null;
                        i = Scan(segment, i + 2 + length);
                        sawScan = true;
                        continue;
                }
                i += 2 + length;
            }
            return null; // ends without EOI: Skia reports the truncation
        }

        private void ReadFrame(ReadOnlySpan<byte> s)
        {
            if (s.Length < 6) throw new Damage("its frame header is too short.");
            if (s[0] != 8) { _sequential = false; return; } // 12-bit: other coefficient ranges, not walked
            _height = (s[1] << 8) | s[2];
            _width = (s[3] << 8) | s[4];
            int n = s[5];
            if (s.Length < 6 + 3 * n) throw new Damage("its frame header is too short.");
            _components.Clear();
            for (int c = 0; c < n; c++)
            {
                int h = s[7 + 3 * c] >> 4, v = s[7 + 3 * c] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) throw new Damage("its frame header declares impossible sampling factors.");
                _components.Add(new Component(s[6 + 3 * c], h, v, s[8 + 3 * c] & 3));
            }
        }

        private void ReadQuant(ReadOnlySpan<byte> s)
        {
            int p = 0;
            while (p < s.Length)
            {
                bool wide = s[p] >> 4 != 0;
                int id = s[p] & 3, size = wide ? 128 : 64;
                if (p + 1 + size > s.Length) throw new Damage("a quantisation table is malformed.");
                var q = new int[64]; // in zig-zag order, as the coefficients arrive
                for (int k = 0; k < 64; k++) q[k] = wide ? (s[p + 1 + 2 * k] << 8) | s[p + 2 + 2 * k] : s[p + 1 + k];
                _quant[id] = q;
                p += 1 + size;
            }
        }

        private void ReadHuffman(ReadOnlySpan<byte> s)
        {
            int p = 0;
            while (p + 17 <= s.Length)
            {
                int cls = s[p] >> 4, id = s[p] & 15;
                var counts = s.Slice(p + 1, 16);
                int total = 0;
                foreach (byte c in counts) total += c;
                if (id > 3 || cls > 1 || p + 17 + total > s.Length) throw new Damage("a Huffman table is malformed.");
                var table = new Huffman(counts, s.Slice(p + 17, total).ToArray());
                (cls == 0 ? _dc : _ac)[id] = table;
                p += 17 + total;
            }
        }

        /// <summary>Walks one scan; returns the position of the marker that follows its data.</summary>
        private int Scan(ReadOnlySpan<byte> header, int dataStart)
        {
            if (_width == 0 || _height == 0 || _components.Count == 0 || header.Length < 1) throw new Damage("a scan comes before a usable frame header.");
            int ns = header[0];
            if (header.Length < 1 + 2 * ns + 3) throw new Damage("a scan header is too short.");
            var parts = new List<(Component C, Huffman Dc, Huffman Ac)>();
            var predictors = new int[ns];
            for (int k = 0; k < ns; k++)
            {
                int id = header[1 + 2 * k], tables = header[2 + 2 * k];
                var component = _components.FirstOrDefault(c => c.Id == id) ?? throw new Damage("a scan names a component the frame lacks.");
                var dc = _dc[(tables >> 4) & 3] ?? throw new Damage("a scan uses a Huffman table that is not defined.");
                var ac = _ac[tables & 3] ?? throw new Damage("a scan uses a Huffman table that is not defined.");
                parts.Add((component, dc, ac));
            }
            int hMax = _components.Max(c => c.H), vMax = _components.Max(c => c.V);
            long mcus;
            // Blocks per MCU for each scan component: H x V when interleaved, 1 when the scan has one component.
            var blocks = new List<BlockCoding>();
            if (ns == 1)
            {
                var c = parts[0].C;
                long w = (CeilDiv((long)_width * c.H, hMax) + 7) / 8, h = (CeilDiv((long)_height * c.V, vMax) + 7) / 8;
                mcus = w * h;
                blocks.Add(new BlockCoding(parts[0].Dc, parts[0].Ac, _quant[c.Tq], 0));
            }
            else
            {
                mcus = CeilDiv(_width, 8L * hMax) * CeilDiv(_height, 8L * vMax);
                for (int k = 0; k < parts.Count; k++)
                    for (int b = 0; b < parts[k].C.H * parts[k].C.V; b++) blocks.Add(new BlockCoding(parts[k].Dc, parts[k].Ac, _quant[parts[k].C.Tq], k));
            }

            var bits = new BitReader(d, dataStart);
            int expectedRst = 0;
            for (long m = 0; m < mcus; m++)
            {
                if (_restart > 0 && m > 0 && m % _restart == 0)
                {
                    bits.Align();
                    int p = bits.Position;
                    if (p + 1 >= d.Length || d[p] != 0xFF || d[p + 1] != 0xD0 + expectedRst)
                        throw new Damage("its restart markers are missing or out of order.");
                    expectedRst = (expectedRst + 1) & 7;
                    bits.Skip(2);
                    Array.Clear(predictors);
                }
                foreach (var block in blocks) Block(bits, block, predictors);
            }
            bits.Align();
            int end = bits.Position;
            if (end + 1 >= d.Length) return end;
            if (d[end] != 0xFF || d[end + 1] == 0x00) throw new Damage("its scan data does not end where its last block ends.");
            return end;
        }

        private static void Block(BitReader bits, BlockCoding coding, int[] predictors)
        {
            int s = coding.Dc.Decode(bits);
            if (s > 11) throw new Damage("its scan data holds a DC difference no 8-bit JPEG has.");
            predictors[coding.Predictor] += Extend(bits.Bits(s), s);
            var q = coding.Quant;
            if (q is not null && Math.Abs((long)predictors[coding.Predictor] * q[0]) > CoefficientLimit + q[0])
                throw new Damage("a block's brightness in its scan data lies outside what 8-bit samples can have.");
            for (int k = 1; k < 64;)
            {
                int rs = coding.Ac.Decode(bits);
                int r = rs >> 4, size = rs & 15;
                if (size == 0)
                {
                    if (r != 15) return; // end of block
                    k += 16;
                    continue;
                }
                k += r;
                if (k > 63) throw new Damage("its scan data runs past the 64 coefficients of a block.");
                if (size > 10) throw new Damage("its scan data holds a coefficient no 8-bit JPEG has.");
                int value = Extend(bits.Bits(size), size);
                if (q is not null && Math.Abs((long)value * q[k]) > CoefficientLimit + q[k])
                    throw new Damage("a coefficient in its scan data lies outside what 8-bit samples can have.");
                k++;
            }
        }

        /// <summary>The signed value of <paramref name="size"/> received bits (F.2.2.1's EXTEND).</summary>
        private static int Extend(int v, int size) => size == 0 ? 0 : v < 1 << (size - 1) ? v - (1 << size) + 1 : v;

        private static long CeilDiv(long a, long b) => (a + b - 1) / b;
    }
}
