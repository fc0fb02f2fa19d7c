// Hand-written in the shape flatc generates for C# (no flatc here), for ONNX Runtime's TensorRT calibration table:
//
//   namespace CalTableFlatBuffers;
//   table KeyValue { key:string (key); value:string; }
//   table TrtTable { dict:[KeyValue]; }
//   root_type TrtTable;
//
// key = tensor name, value = the decimal max |x| of the tensor. Readers and builders below follow the generated code's
// conventions (vtable slots 4, 6; the key field required; dict sorted by key so it can be searched).
using System.Text;
using Google.FlatBuffers;

namespace PdnColorize.Calibration.TensorRt.CalTableFlatBuffers;

public struct KeyValue : IFlatbufferObject
{
    private Table __p;

    public ByteBuffer ByteBuffer => __p.bb;

    public static void ValidateVersion() => FlatBufferConstants.FLATBUFFERS_25_2_10();

    public static KeyValue GetRootAsKeyValue(ByteBuffer bb) => GetRootAsKeyValue(bb, new KeyValue());

    public static KeyValue GetRootAsKeyValue(ByteBuffer bb, KeyValue obj) => obj.__assign(bb.GetInt(bb.Position) + bb.Position, bb);

    public void __init(int i, ByteBuffer bb) => __p = new Table(i, bb);

    public KeyValue __assign(int i, ByteBuffer bb)
    {
        __init(i, bb);
        return this;
    }

    public string? Key
    {
        get
        {
            int o = __p.__offset(4);
            return o != 0 ? __p.__string(o + __p.bb_pos) : null;
        }
    }

    public string? Value
    {
        get
        {
            int o = __p.__offset(6);
            return o != 0 ? __p.__string(o + __p.bb_pos) : null;
        }
    }

    public static Offset<KeyValue> CreateKeyValue(FlatBufferBuilder builder, StringOffset keyOffset = default, StringOffset valueOffset = default)
    {
        builder.StartTable(2);
        AddValue(builder, valueOffset);
        AddKey(builder, keyOffset);
        return EndKeyValue(builder);
    }

    public static void StartKeyValue(FlatBufferBuilder builder) => builder.StartTable(2);

    public static void AddKey(FlatBufferBuilder builder, StringOffset keyOffset) => builder.AddOffset(0, keyOffset.Value, 0);

    public static void AddValue(FlatBufferBuilder builder, StringOffset valueOffset) => builder.AddOffset(1, valueOffset.Value, 0);

    public static Offset<KeyValue> EndKeyValue(FlatBufferBuilder builder)
    {
        int o = builder.EndTable();
        builder.Required(o, 4); // key
        return new Offset<KeyValue>(o);
    }

    /// <summary>A vector of KeyValue tables sorted by key (byte-wise, as flatbuffers compares keys).</summary>
    public static VectorOffset CreateSortedVectorOfKeyValue(FlatBufferBuilder builder, Offset<KeyValue>[] offsets)
    {
        Array.Sort(offsets, (o1, o2) => Table.CompareStrings(
            Table.__offset(4, o1.Value, builder.DataBuffer), Table.__offset(4, o2.Value, builder.DataBuffer), builder.DataBuffer));
        return builder.CreateVectorOfTables(offsets);
    }

    /// <summary>Binary search of a sorted KeyValue vector.</summary>
    public static KeyValue? __lookup_by_key(int vectorLocation, string key, ByteBuffer bb)
    {
        byte[] byteKey = Encoding.UTF8.GetBytes(key);
        int span = bb.GetInt(vectorLocation - 4);
        int start = 0;
        while (span != 0)
        {
            int middle = span / 2;
            int tableOffset = Table.__indirect(vectorLocation + 4 * (start + middle), bb);
            int comp = Table.CompareStrings(Table.__offset(4, bb.Length - tableOffset, bb), byteKey, bb);
            if (comp > 0)
            {
                span = middle;
            }
            else if (comp < 0)
            {
                middle++;
                start += middle;
                span -= middle;
            }
            else
            {
                return new KeyValue().__assign(tableOffset, bb);
            }
        }
        return null;
    }
}

public struct TrtTable : IFlatbufferObject
{
    private Table __p;

    public ByteBuffer ByteBuffer => __p.bb;

    public static void ValidateVersion() => FlatBufferConstants.FLATBUFFERS_25_2_10();

    public static TrtTable GetRootAsTrtTable(ByteBuffer bb) => GetRootAsTrtTable(bb, new TrtTable());

    public static TrtTable GetRootAsTrtTable(ByteBuffer bb, TrtTable obj) => obj.__assign(bb.GetInt(bb.Position) + bb.Position, bb);

    public void __init(int i, ByteBuffer bb) => __p = new Table(i, bb);

    public TrtTable __assign(int i, ByteBuffer bb)
    {
        __init(i, bb);
        return this;
    }

    public KeyValue? Dict(int j)
    {
        int o = __p.__offset(4);
        return o != 0 ? new KeyValue().__assign(__p.__indirect(__p.__vector(o) + j * 4), __p.bb) : null;
    }

    public int DictLength
    {
        get
        {
            int o = __p.__offset(4);
            return o != 0 ? __p.__vector_len(o) : 0;
        }
    }

    public KeyValue? DictByKey(string key)
    {
        int o = __p.__offset(4);
        return o != 0 ? KeyValue.__lookup_by_key(__p.__vector(o), key, __p.bb) : null;
    }

    public static Offset<TrtTable> CreateTrtTable(FlatBufferBuilder builder, VectorOffset dictOffset = default)
    {
        builder.StartTable(1);
        AddDict(builder, dictOffset);
        return EndTrtTable(builder);
    }

    public static void StartTrtTable(FlatBufferBuilder builder) => builder.StartTable(1);

    public static void AddDict(FlatBufferBuilder builder, VectorOffset dictOffset) => builder.AddOffset(0, dictOffset.Value, 0);

    public static VectorOffset CreateDictVector(FlatBufferBuilder builder, Offset<KeyValue>[] data)
    {
        builder.StartVector(4, data.Length, 4);
        for (int i = data.Length - 1; i >= 0; i--) builder.AddOffset(data[i].Value);
        return builder.EndVector();
    }

    public static Offset<TrtTable> EndTrtTable(FlatBufferBuilder builder) => new(builder.EndTable());

    public static void FinishTrtTableBuffer(FlatBufferBuilder builder, Offset<TrtTable> offset) => builder.Finish(offset.Value);
}
