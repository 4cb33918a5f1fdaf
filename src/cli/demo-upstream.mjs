// The demo's provider systems: a citizen lookup (CSDL dân cư) and a tax lookup, answering ~1 KB of JSON.
// A separate process (forked by `lgsp demo`), as a real provider would be, so it never shares the gateway's
// event loop. Plain JavaScript so it runs without the TypeScript loader. Prints its port as its first line.
import { createServer } from 'node:http';

const citizen = (id, sandbox) => ({
  soDinhDanh: id,
  hoTen: sandbox ? 'Nguyễn Văn Thử' : 'Nguyễn Văn An',
  ngaySinh: '1990-05-17',
  gioiTinh: 'Nam',
  danToc: 'Kinh',
  tonGiao: 'Không',
  quocTich: 'Việt Nam',
  queQuan: { tinh: 'An Giang', huyen: 'Thành phố Long Xuyên', xa: 'Phường Mỹ Bình' },
  noiThuongTru: {
    tinh: 'An Giang',
    huyen: 'Thành phố Long Xuyên',
    xa: 'Phường Mỹ Xuyên',
    chiTiet: '12 Trần Hưng Đạo',
  },
  noiOHienTai: {
    tinh: 'An Giang',
    huyen: 'Thành phố Long Xuyên',
    xa: 'Phường Mỹ Xuyên',
    chiTiet: '12 Trần Hưng Đạo',
  },
  chuHo: { hoTen: 'Nguyễn Văn Bình', quanHe: 'Cha' },
  tinhTrangHonNhan: 'Chưa kết hôn',
  nguonDuLieu: sandbox
    ? 'Môi trường thử nghiệm (sandbox)'
    : 'Cơ sở dữ liệu quốc gia về dân cư (mô phỏng / simulated)',
  ghiChu: 'Dữ liệu mẫu của bản demo OpenLGSP — không phải dữ liệu thật / demo data, not real',
  capNhatLuc: '2026-11-01T08:00:00+07:00',
});

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  // Drain any request body: a provider reads what it is sent.
  req.resume();
  req.on('end', () => {
    let m = /^\/(api|sandbox)\/dancu\/congdan\/([^/?]+)/.exec(url);
    if (m) {
      const body = JSON.stringify({
        maKetQua: '0',
        moTa: 'Thành công',
        duLieu: citizen(decodeURIComponent(m[2]), m[1] === 'sandbox'),
      });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    m = /^\/(?:api|sandbox)\/thue\/doanhnghiep\/([^/?]+)/.exec(url);
    if (m) {
      const body = JSON.stringify({
        maSoThue: m[1],
        tenDoanhNghiep: 'Công ty TNHH Mẫu',
        trangThai: 'Đang hoạt động',
      });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    // The peer platform's provider (`lgsp demo`'s federated path, src/cli/demo-federation.ts): a birth record of the
    // other province, which names the original consumer organization the federation told it.
    m = /^\/(?:api|sandbox)\/hotich\/giaykhaisinh\/([^/?]+)/.exec(url);
    if (m) {
      const body = JSON.stringify({
        maKetQua: '0',
        moTa: 'Thành công',
        duLieu: {
          soGiayKhaiSinh: decodeURIComponent(m[1]),
          hoTen: 'Trần Thị Mai',
          ngaySinh: '2024-03-08',
          noiDangKy: 'UBND phường 1, thành phố Cao Lãnh, tỉnh Đồng Tháp',
          nguonDuLieu: 'Hệ thống hộ tịch tỉnh Đồng Tháp (mô phỏng / simulated)',
        },
        coQuanKhaiThacGoc: req.headers['x-lgsp-represented-organization'] ?? null,
        nenTangChuyenTiep: req.headers['x-lgsp-peer'] ?? null,
      });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"maKetQua":"404","moTa":"Không tìm thấy"}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => {});
