//! Prints every record of an ASTERIX file (raw, pcap, pcapng or GPS framing) as JSON lines and
//! errors with offsets on stderr: `cargo run -p tessera-asterix --example asterix_json FILE`.

use tessera_asterix::RecordJson;
use tessera_asterix::capture::{Event, FileDecoder};

fn main() -> std::io::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: asterix_json FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(path)?;
    let (mut n, mut e) = (0, 0);
    for ev in FileDecoder::new(&data, None) {
        match ev {
            Event::Record { record, .. } => {
                n += 1;
                println!(
                    "{}",
                    serde_json::to_string(&RecordJson::from_record(&record)).unwrap_or_default()
                );
            }
            Event::Error(err) => {
                e += 1;
                eprintln!("error: {err}");
            }
        }
    }
    eprintln!("records: {n}, errors: {e}");
    Ok(())
}
