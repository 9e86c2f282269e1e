import journal from './meta/_journal.json';
import m0000 from './0000_room_init.sql';
import m0001 from './0001_search_indexes.sql';
import m0002 from './0002_message_search.sql';
import m0003 from './0003_location.sql';
import m0004 from './0004_fingerprint.sql';
import m0005 from './0005_reactions.sql';
import m0006 from './0006_pins_edits.sql';
import m0007 from './0007_relay_log.sql';
import m0008 from './0008_threads.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008
    }
  }
  