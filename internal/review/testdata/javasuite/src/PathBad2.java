package files;
import java.io.*;
import javax.servlet.http.*;

public class PathBad2 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String dir = request.getHeader("X-Dir");
        java.nio.file.Path p = java.nio.file.Paths.get("/srv/uploads", dir, "index.txt");
        byte[] data = java.nio.file.Files.readAllBytes(p);
        response.getOutputStream().write(data);
    }
}
