using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Latchkey.Server.Verification;

/// <summary>HMAC-SHA256 of a token under one key: what the store indexes and the cache is keyed by.</summary>
internal readonly struct TokenDigest : IEquatable<TokenDigest>
{
    public const int Size = 32;

    private readonly ulong a, b, c, d;

    private TokenDigest(ReadOnlySpan<byte> bytes)
    {
        a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        c = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        d = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    public static TokenDigest Compute(ReadOnlySpan<byte> key, ReadOnlySpan<char> token)
    {
        Span<byte> ascii = stackalloc byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            ascii[i] = (byte)token[i];
        }

        Span<byte> mac = stackalloc byte[Size];
        HMACSHA256.HashData(key, ascii, mac);
        return new TokenDigest(mac);
    }

    public static TokenDigest FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Size ? new TokenDigest(bytes) : throw new ArgumentException($"A digest is {Size} bytes.", nameof(bytes));

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, a);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), b);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), c);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), d);
        return bytes;
    }

    public bool Equals(TokenDigest other) => a == other.a && b == other.b && c == other.c && d == other.d;

    public override bool Equals(object? obj) => obj is TokenDigest other && Equals(other);

    // An HMAC output is uniformly distributed, so any 32 bits of it make a good hash code.
    public override int GetHashCode() => (int)a;

    public static bool operator ==(TokenDigest left, TokenDigest right) => left.Equals(right);

    public static bool operator !=(TokenDigest left, TokenDigest right) => !left.Equals(right);
}
