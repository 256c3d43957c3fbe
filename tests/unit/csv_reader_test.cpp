#include "tripstream/csv/csv_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tripstream {
namespace {

using namespace std::string_literals;

struct Row {
    std::vector<std::string> fields;
    uint64_t line;
};

std::vector<Row> read_all(const std::string& text, size_t chunk = SIZE_MAX,
                          size_t max_record = CsvReader::kDefaultMaxRecordBytes) {
    StringSource source(text, chunk);
    CsvReader reader(source, max_record);
    CsvRecord record;
    std::vector<Row> rows;
    while (reader.next(record)) {
        Row row{{}, record.line};
        for (auto f : record.fields)
            row.fields.emplace_back(f);
        if (record.too_long) row.fields = {"<too long>"};
        rows.push_back(row);
    }
    return rows;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, SplitsUnquotedLines) {
    auto rows = read_all("a,b,c\n1,2,3\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
    EXPECT_EQ(rows[1].fields, (Fields{"1", "2", "3"}));
    EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, HandlesCrLfAndMissingFinalNewline) {
    auto rows = read_all("a,b\r\n1,2\r\n3,4");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields, (Fields{"a", "b"}));
    EXPECT_EQ(rows[1].fields, (Fields{"1", "2"}));
    EXPECT_EQ(rows[2].fields, (Fields{"3", "4"}));
}

TEST(CsvReader, StripsUtf8ByteOrderMark) {
    auto rows = read_all("\xEF\xBB\xBFregion,x\nPrague,1\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields[0], "region");
}

TEST(CsvReader, QuotedFieldsWithCommasQuotesAndNewlines) {
    auto rows = read_all("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,row,3\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (Fields{"a,b", "say \"hi\"", "two\nlines"}));
    EXPECT_EQ(rows[0].line, 1u);
    EXPECT_EQ(rows[1].fields, (Fields{"next", "row", "3"}));
    EXPECT_EQ(rows[1].line, 3u);  // the quoted line break moved it down one physical line
}

TEST(CsvReader, QuotedEmptyFieldAndCrLfInsideQuotedRecord) {
    auto rows = read_all("\"\",x,\"y\"\r\nz\r\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (Fields{"", "x", "y"}));
    EXPECT_EQ(rows[1].fields, (Fields{"z"}));
}

TEST(CsvReader, SkipsBlankLinesButCountsThem) {
    auto rows = read_all("a\n\n\r\nb\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].fields, (Fields{"b"}));
    EXPECT_EQ(rows[1].line, 4u);
}

TEST(CsvReader, SameResultWhateverTheReadSize) {
    std::string text = "h1,h2\n";
    for (int i = 0; i < 500; ++i) {
        text += "\"q" + std::to_string(i) + ",\"\"x\"\"\",plain" + std::to_string(i) + "\r\n";
    }
    const auto whole = read_all(text);
    for (size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u}) {
        const auto pieces = read_all(text, chunk);
        ASSERT_EQ(pieces.size(), whole.size()) << "chunk " << chunk;
        for (size_t i = 0; i < whole.size(); ++i) {
            EXPECT_EQ(pieces[i].fields, whole[i].fields) << "chunk " << chunk << " row " << i;
            EXPECT_EQ(pieces[i].line, whole[i].line);
        }
    }
    EXPECT_EQ(whole[500].fields, (Fields{"q499,\"x\"", "plain499"}));
}

TEST(CsvReader, OverlongRecordIsFlaggedAndReadingContinues) {
    const std::string longline(5000, 'x');
    auto rows = read_all("a,b\n" + longline + "\nc,d\n", 100, 1000);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].fields, (Fields{"<too long>"}));
    EXPECT_EQ(rows[1].line, 2u);
    EXPECT_EQ(rows[2].fields, (Fields{"c", "d"}));
    EXPECT_EQ(rows[2].line, 3u);
}

TEST(CsvReader, OverlongRecordKeepsItsFullLength) {
    const std::string longline(5000, 'x');
    StringSource source("a,b\n" + longline + "\r\nc,\"d\"\n", 100);
    CsvReader reader(source, 1000);
    CsvRecord record;
    ASSERT_TRUE(reader.next(record));
    EXPECT_EQ(record.raw_length, 3u);
    ASSERT_TRUE(reader.next(record));
    EXPECT_TRUE(record.too_long);
    EXPECT_EQ(record.raw.size(), 256u);
    EXPECT_EQ(record.raw_length, 5001u);  // the carriage return before the line feed counts
    ASSERT_TRUE(reader.next(record));
    EXPECT_EQ(record.raw, "c,\"d\"");
    EXPECT_EQ(record.raw_length, 5u);
}

TEST(CsvReader, PassesAnyBytesThrough) {
    const std::string text = "a,b\n\0x\xFF,\"\xC0\0\"\n"s;
    StringSource source(text, 3);
    CsvReader reader(source);
    CsvRecord record;
    ASSERT_TRUE(reader.next(record));
    ASSERT_TRUE(reader.next(record));
    ASSERT_EQ(record.fields.size(), 2u);
    EXPECT_EQ(record.fields[0], "\0x\xFF"s);
    EXPECT_EQ(record.fields[1], "\xC0\0"s);
    EXPECT_EQ(record.raw, "\0x\xFF,\"\xC0\0\""s);
    EXPECT_FALSE(reader.next(record));
}

TEST(CsvReader, UnterminatedQuoteAtEndOfInputIsFlagged) {
    StringSource source("a,b\n\"open,never closed\n");
    CsvReader reader(source);
    CsvRecord record;
    ASSERT_TRUE(reader.next(record));
    ASSERT_TRUE(reader.next(record));
    EXPECT_TRUE(record.unterminated_quote);
    EXPECT_FALSE(reader.next(record));
}

TEST(CsvReader, RewindStartsOver) {
    StringSource source(
        "\xEF\xBB\xBF"
        "a\nb\n");
    CsvReader reader(source);
    CsvRecord record;
    int count = 0;
    while (reader.next(record))
        ++count;
    ASSERT_TRUE(reader.rewind());
    ASSERT_TRUE(reader.next(record));
    EXPECT_EQ(record.fields[0], "a");
    EXPECT_EQ(record.line, 1u);
    EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace tripstream
