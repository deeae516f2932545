# A wire-compatible STAND-IN for MongoDB in tests: NOT MongoDB. mockupdb
# speaks OP_MSG to the official driver and mongomock executes the commands in
# memory. It has no transactions, no change streams, no sessions semantics, and
# TTL indexes expire documents on the next access instead of every 60 s.
# Usage: /usr/bin/python3 mongo-standin.py PORT   (prints "listening PORT")
import sys
import threading

import mongomock
from bson.int64 import Int64
from mockupdb import MockupDB
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

client = mongomock.MongoClient()
lock = threading.Lock()  # mockupdb answers each connection on its own thread; mongomock is not thread-safe


def body_docs(request, field):
    """The command's documents: in the body, or in the OP_MSG document sequence (docs[1:])."""
    doc = request.docs[0]
    if field in doc:
        return list(doc[field])
    return list(request.docs[1:])


def cursor(ns, docs):
    return {'cursor': {'id': Int64(0), 'ns': ns, 'firstBatch': docs}}


def cmd_insert(db, doc, request):
    coll = db[doc['insert']]
    n, errors = 0, []
    for i, d in enumerate(body_docs(request, 'documents')):
        try:
            coll.insert_one(d)
            n += 1
        except DuplicateKeyError as e:
            errors.append({'index': i, 'code': 11000, 'errmsg': 'E11000 duplicate key error: %s' % e})
            if doc.get('ordered', True):
                break
    out = {'n': n}
    if errors:
        out['writeErrors'] = errors
    return out


def cmd_update(db, doc, request):
    coll = db[doc['update']]
    n = modified = 0
    upserted, errors = [], []
    for i, u in enumerate(body_docs(request, 'updates')):
        q, change = u.get('q', {}), u['u']
        upsert = u.get('upsert', False)
        replace = isinstance(change, dict) and not any(k.startswith('$') for k in change)
        try:
            if replace:
                r = coll.replace_one(q, change, upsert=upsert)
            elif u.get('multi'):
                r = coll.update_many(q, change, upsert=upsert, array_filters=u.get('arrayFilters'))
            else:
                r = coll.update_one(q, change, upsert=upsert, array_filters=u.get('arrayFilters'))
        except DuplicateKeyError as e:
            errors.append({'index': i, 'code': 11000, 'errmsg': 'E11000 duplicate key error: %s' % e})
            if doc.get('ordered', True):
                break
            continue
        if r.upserted_id is not None:
            upserted.append({'index': i, '_id': r.upserted_id})
            n += 1
        else:
            n += r.matched_count
            modified += r.modified_count
    out = {'n': n, 'nModified': modified}
    if upserted:
        out['upserted'] = upserted
    if errors:
        out['writeErrors'] = errors
    return out


def cmd_delete(db, doc, request):
    coll = db[doc['delete']]
    n = 0
    for d in body_docs(request, 'deletes'):
        if d.get('limit', 0) == 1:
            n += coll.delete_one(d.get('q', {})).deleted_count
        else:
            n += coll.delete_many(d.get('q', {})).deleted_count
    return {'n': n}


def cmd_find(db, doc, request):
    coll = db[doc['find']]
    cur = coll.find(doc.get('filter', {}), doc.get('projection'))
    if doc.get('sort'):
        cur = cur.sort(list(doc['sort'].items()))
    if doc.get('skip'):
        cur = cur.skip(int(doc['skip']))
    if doc.get('limit'):
        cur = cur.limit(abs(int(doc['limit'])))
    return cursor('%s.%s' % (db.name, doc['find']), list(cur))


def cmd_aggregate(db, doc, request):
    coll = db[doc['aggregate']]
    return cursor('%s.%s' % (db.name, doc['aggregate']), list(coll.aggregate(doc.get('pipeline', []))))


def cmd_find_and_modify(db, doc, request):
    coll = db[doc['findAndModify']]
    query, sort = doc.get('query', {}), list(doc['sort'].items()) if doc.get('sort') else None
    if doc.get('remove'):
        value = coll.find_one_and_delete(query, projection=doc.get('fields'), sort=sort)
        return {'value': value, 'lastErrorObject': {'n': 0 if value is None else 1}}
    before = coll.find_one(query, sort=sort) if not doc.get('upsert') else None
    change = doc['update']
    replace = not any(k.startswith('$') for k in change)
    method = coll.find_one_and_replace if replace else coll.find_one_and_update
    value = method(query, change, projection=doc.get('fields'), sort=sort, upsert=doc.get('upsert', False),
                   return_document=ReturnDocument.AFTER if doc.get('new') else ReturnDocument.BEFORE)
    return {'value': value, 'lastErrorObject': {'n': 1 if (value is not None or before is not None) else 0,
                                                'updatedExisting': before is not None}}


def cmd_create_indexes(db, doc, request):
    coll = db[doc['createIndexes']]
    before = len(coll.index_information())
    for ix in doc['indexes']:
        opts = {k: v for k, v in ix.items() if k in ('name', 'unique', 'expireAfterSeconds', 'sparse')}
        coll.create_index(list(ix['key'].items()), **opts)
    return {'numIndexesBefore': before, 'numIndexesAfter': len(coll.index_information())}


def cmd_list_indexes(db, doc, request):
    coll = db[doc['listIndexes']]
    out = []
    for name, info in coll.index_information().items():
        entry = {'v': 2, 'name': name, 'key': dict(info['key'])}
        for k in ('unique', 'expireAfterSeconds', 'sparse'):
            if k in info:
                entry[k] = info[k]
        out.append(entry)
    return cursor('%s.%s' % (db.name, doc['listIndexes']), out)


def cmd_drop(db, doc, request):
    db.drop_collection(doc['drop'])
    return {}


def cmd_drop_database(db, doc, request):
    client.drop_database(db.name)
    return {}


def cmd_plain(db, doc, request):
    return {}


COMMANDS = {
    'insert': cmd_insert, 'update': cmd_update, 'delete': cmd_delete, 'find': cmd_find,
    'aggregate': cmd_aggregate, 'findAndModify': cmd_find_and_modify, 'findandmodify': cmd_find_and_modify,
    'createIndexes': cmd_create_indexes, 'listIndexes': cmd_list_indexes, 'drop': cmd_drop,
    'dropDatabase': cmd_drop_database, 'ping': cmd_plain, 'endSessions': cmd_plain, 'killCursors': cmd_plain,
    'buildInfo': lambda db, doc, r: {'version': '0.0.0-standin'},
}

UNSUPPORTED = {'startTransaction', 'commitTransaction', 'abortTransaction'}


def handle(request):
    name = request.command_name
    if name is None or name.lower() in ('ismaster', 'hello'):
        return False  # auto_ismaster answers these
    doc = request.docs[0]
    if 'startTransaction' in doc or name in UNSUPPORTED:
        return request.command_err(code=20, errmsg='the MongoDB stand-in has no transactions')
    fn = COMMANDS.get(name)
    if fn is None:
        return request.command_err(code=59, errmsg='the MongoDB stand-in does not know the command %r' % name)
    db = client[request.namespace or doc.get('$db', 'test')]
    try:
        with lock:
            out = fn(db, doc, request)
    except OperationFailure as e:
        return request.command_err(code=e.code or 2, errmsg=str(e))
    except Exception as e:  # a stand-in limitation: tell the driver, with the reason
        return request.command_err(code=2, errmsg='the MongoDB stand-in failed %s: %r' % (name, e))
    return request.ok(out)


def main():
    port = int(sys.argv[1])
    server = MockupDB(port=port, auto_ismaster={'ismaster': True, 'isWritablePrimary': True, 'minWireVersion': 0,
                                                'maxWireVersion': 21, 'maxBsonObjectSize': 16 * 1024 * 1024,
                                                'maxMessageSizeBytes': 48000000, 'maxWriteBatchSize': 100000,
                                                'logicalSessionTimeoutMinutes': 30})
    server.autoresponds(handle)
    server.run()
    print('listening %d' % port, flush=True)
    threading.Event().wait()


if __name__ == '__main__':
    main()
