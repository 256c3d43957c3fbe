"""The original system's ingestion, as SQL: batches of multi-row INSERT (1,000 rows per
statement, each batch its own transaction, as a batch-at-a-time loader commits) of the trips
CSV into one table. Benchmark baseline only.

Usage: original_inserts.py TRIPS.csv ROWS > inserts.sql
"""
import csv
import sys


def main() -> None:
    path, limit = sys.argv[1], int(sys.argv[2])
    out = sys.stdout
    batch = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        for i, row in enumerate(reader):
            if i >= limit:
                break
            region = row["region"].replace("'", "''")
            source = row["datasource"].replace("'", "''")
            batch.append(
                f"('{region}',ST_GeomFromText('{row['origin_coord']}',4326),"
                f"ST_GeomFromText('{row['destination_coord']}',4326),'{row['datetime']}','{source}')"
            )
            if len(batch) == 1000:
                flush(out, batch)
    if batch:
        flush(out, batch)


def flush(out, batch) -> None:
    out.write("INSERT INTO trips_original (region, origin, destination, datetime, datasource) VALUES\n")
    out.write(",\n".join(batch))
    out.write(";\n")
    batch.clear()


if __name__ == "__main__":
    main()
